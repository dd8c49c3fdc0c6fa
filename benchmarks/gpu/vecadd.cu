// Reference for the Java vector-add kernel (issue: Java kernels on the GPU, bar "Java >= 90% of nvcc").
// The same algorithm as dev.kascade.kernels.corpus vector add: c = a + b over n floats, each thread
// handling 4 consecutive floats per step with 16-byte loads and stores, grid-stride loop.
// Build on the GPU host: nvcc -O3 -arch=sm_90 -o vecadd vecadd.cu
// Prints one JSON line: bytes moved (3 arrays), median time over the repetitions, TB/s.
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <algorithm>
#include <cuda_runtime.h>

#define CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { \
  fprintf(stderr, "%s failed: %s\n", #x, cudaGetErrorString(e)); exit(1); } } while (0)

__global__ void vecadd4(const float4* __restrict__ a, const float4* __restrict__ b, float4* __restrict__ c, long n4) {
  long stride = (long)gridDim.x * blockDim.x;
  for (long i = (long)blockIdx.x * blockDim.x + threadIdx.x; i < n4; i += stride) {
    float4 x = a[i], y = b[i];
    c[i] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
  }
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : (1L << 28);   // 2^28 floats = 1 GiB per array
  int reps = argc > 2 ? atoi(argv[2]) : 50;
  int threads = 256;
  int sms; CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  int blocks = sms * 8;   // persistent-ish grid: several blocks per SM, grid-stride loop
  float *a, *b, *c;
  CHECK(cudaMalloc(&a, n * 4)); CHECK(cudaMalloc(&b, n * 4)); CHECK(cudaMalloc(&c, n * 4));
  std::vector<float> h(n);
  for (long i = 0; i < n; i++) h[i] = (float)((i * 2654435761u) % 1000) * 0.001f;
  CHECK(cudaMemcpy(a, h.data(), n * 4, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(b, h.data(), n * 4, cudaMemcpyHostToDevice));
  cudaEvent_t e0, e1; CHECK(cudaEventCreate(&e0)); CHECK(cudaEventCreate(&e1));
  for (int w = 0; w < 3; w++) vecadd4<<<blocks, threads>>>((float4*)a, (float4*)b, (float4*)c, n / 4);
  CHECK(cudaGetLastError()); CHECK(cudaDeviceSynchronize());
  std::vector<float> ms;
  for (int r = 0; r < reps; r++) {
    CHECK(cudaEventRecord(e0));
    vecadd4<<<blocks, threads>>>((float4*)a, (float4*)b, (float4*)c, n / 4);
    CHECK(cudaEventRecord(e1)); CHECK(cudaEventSynchronize(e1));
    float t; CHECK(cudaEventElapsedTime(&t, e0, e1)); ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  float med = ms[ms.size() / 2];
  std::vector<float> out(16);
  CHECK(cudaMemcpy(out.data(), c + n - 16, 64, cudaMemcpyDeviceToHost));
  for (int i = 0; i < 16; i++) if (out[i] != h[n - 16 + i] * 2) { fprintf(stderr, "wrong result at %d\n", i); return 1; }
  double bytes = 3.0 * n * 4;
  printf("{\"kernel\":\"vecadd_nvcc\",\"n\":%ld,\"blocks\":%d,\"threads\":%d,\"median_ms\":%.4f,\"tbs\":%.3f}\n",
         n, blocks, threads, med, bytes / (med * 1e-3) / 1e12);
  return 0;
}
