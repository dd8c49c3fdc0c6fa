// Copy-path microbenchmark (not part of the library): how fast can one block per (sequence, KV head) row stream
// that row's K and V (bf16, d 128, 256-byte rows) into a three-stage shared-memory ring, by
//   cpasync   : 16-byte cp.async.cg per lane, each warp filling its own 16 keys (our decode kernels' copy path),
//   tma_warp  : one cp.async.bulk.tensor.2d per warp and stage for K and one for V (16 keys, 128-byte swizzle),
//   tma_block : one per block and stage for K and one for V (64 keys), stages handed on by __syncthreads.
// Each variant reads every copied word back from shared memory once (the fragment reads' share of the work).
#include <cuda.h>
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <vector>
#include <algorithm>
#include <string>

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("CUDA %s at %d: %s\n", #x, __LINE__, cudaGetErrorString(e)); exit(1);} } while (0)
#define CD(x) do { CUresult e = (x); if (e != CUDA_SUCCESS) { const char* s; cuGetErrorString(e, &s); printf("driver %s at %d: %s\n", #x, __LINE__, s); exit(1);} } while (0)

constexpr int STAGES = 3;
constexpr int WARP_KEYS = 16, BLOCK_KEYS = 64;
constexpr int WARP_STAGE_CHUNKS = 2 * WARP_KEYS * 16;      // 16 K rows + 16 V rows of 16 chunks: 8 KB
constexpr int BLOCK_STAGE_CHUNKS = 4 * WARP_STAGE_CHUNKS;  // 32 KB

__device__ __forceinline__ unsigned sm(const void* p) { return (unsigned) __cvta_generic_to_shared(p); }

__device__ __forceinline__ unsigned consume(const uint4* st, int lane, int chunks, unsigned acc) {
#pragma unroll
    for (int i = 0; i < 16; i++) {
        if (i * 32 < chunks) { uint4 w = st[i * 32 + lane]; acc += w.x + w.y * 3 + w.z * 5 + w.w * 7; }
    }
    return acc;
}

__global__ void __launch_bounds__(128, 2) cpasync(const uint4* K, const uint4* V, int keys, unsigned* out) {
    extern __shared__ __align__(1024) uint4 smem[];
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, laneRow = lane >> 4, chunk = lane & 15;
    size_t rowBase = (size_t) blockIdx.x * keys;
    uint4* ring = smem + warp * STAGES * WARP_STAGE_CHUNKS;
    int steps = keys / BLOCK_KEYS;
    auto issue = [&](int step) {
        if (step < steps) {
            size_t key0 = rowBase + (size_t) step * BLOCK_KEYS + warp * WARP_KEYS;
            uint4* st = ring + (step % STAGES) * WARP_STAGE_CHUNKS;
#pragma unroll
            for (int m = 0; m < 8; m++) {
                int row = 2 * m + laneRow;
                const uint4* k = K + (key0 + row) * 16 + chunk;
                const uint4* v = V + (key0 + row) * 16 + chunk;
                asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" :: "r"(sm(st + row * 16 + (chunk ^ (row & 1) * 4))), "l"(k));
                asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" :: "r"(sm(st + 256 + row * 16 + (chunk ^ (row & 7)))), "l"(v));
            }
        }
        asm volatile("cp.async.commit_group;");
    };
    for (int s = 0; s < STAGES - 1; s++) issue(s);
    unsigned acc = 0;
    for (int step = 0; step < steps; step++) {
        asm volatile("cp.async.wait_group %0;" :: "n"(STAGES - 2));
        __syncwarp();
        acc = consume(ring + (step % STAGES) * WARP_STAGE_CHUNKS, lane, WARP_STAGE_CHUNKS, acc);
        __syncwarp();
        issue(step + STAGES - 1);
    }
    out[blockIdx.x * 128 + threadIdx.x] = acc;
}

__device__ __forceinline__ void mbarInit(uint64_t* b, int count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" :: "r"(sm(b)), "r"(count));
}
__device__ __forceinline__ void mbarExpect(uint64_t* b, int bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" :: "r"(sm(b)), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbarWait(uint64_t* b, int parity) {
    asm volatile("{\n.reg .pred p;\nW: mbarrier.try_wait.parity.shared::cta.b64 p, [%0], %1;\n@!p bra W;\n}" :: "r"(sm(b)), "r"(parity) : "memory");
}
__device__ __forceinline__ void tma2d(void* dst, const CUtensorMap* map, int x, int y, uint64_t* bar) {
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];"
                 :: "r"(sm(dst)), "l"((uint64_t) map), "r"(x), "r"(y), "r"(sm(bar)) : "memory");
}

// K and V seen as 2-D tensors of 128-byte lines (64 bf16): line 2 * key + half.
__global__ void __launch_bounds__(128, 2) tmaWarp(const __grid_constant__ CUtensorMap kMap, const __grid_constant__ CUtensorMap vMap,
                                                  int keys, unsigned* out) {
    extern __shared__ __align__(1024) uint4 smem[];
    uint64_t (*full)[STAGES] = (uint64_t (*)[STAGES]) (smem + STAGES * BLOCK_STAGE_CHUNKS);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int rowBase = blockIdx.x * keys;
    uint4* ring = smem + warp * STAGES * WARP_STAGE_CHUNKS;
    int steps = keys / BLOCK_KEYS;
    if (lane == 0) for (int s = 0; s < STAGES; s++) mbarInit(&full[warp][s], 1);
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    __syncwarp();
    auto issue = [&](int step) {
        if (lane == 0 && step < steps) {
            int s = step % STAGES;
            int line = 2 * (rowBase + step * BLOCK_KEYS + warp * WARP_KEYS);
            mbarExpect(&full[warp][s], 2 * 4096);
            tma2d(ring + s * WARP_STAGE_CHUNKS, &kMap, 0, line, &full[warp][s]);
            tma2d(ring + s * WARP_STAGE_CHUNKS + 256, &vMap, 0, line, &full[warp][s]);
        }
    };
    for (int s = 0; s < STAGES - 1; s++) issue(s);
    unsigned acc = 0;
    for (int step = 0; step < steps; step++) {
        mbarWait(&full[warp][step % STAGES], (step / STAGES) & 1);
        acc = consume(ring + (step % STAGES) * WARP_STAGE_CHUNKS, lane, WARP_STAGE_CHUNKS, acc);
        __syncwarp();
        issue(step + STAGES - 1);
    }
    out[blockIdx.x * 128 + threadIdx.x] = acc;
}

__global__ void __launch_bounds__(128, 2) tmaBlock(const __grid_constant__ CUtensorMap kMap, const __grid_constant__ CUtensorMap vMap,
                                                   int keys, unsigned* out) {
    extern __shared__ __align__(1024) uint4 smem[];
    uint64_t* full = (uint64_t*) (smem + STAGES * BLOCK_STAGE_CHUNKS);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int rowBase = blockIdx.x * keys;
    int steps = keys / BLOCK_KEYS;
    if (threadIdx.x == 0) for (int s = 0; s < STAGES; s++) mbarInit(&full[s], 1);
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    __syncthreads();
    auto issue = [&](int step) {
        if (threadIdx.x == 0 && step < steps) {
            int s = step % STAGES;
            int line = 2 * (rowBase + step * BLOCK_KEYS);
            mbarExpect(&full[s], 2 * 16384);
            tma2d(smem + s * BLOCK_STAGE_CHUNKS, &kMap, 0, line, &full[s]);
            tma2d(smem + s * BLOCK_STAGE_CHUNKS + 1024, &vMap, 0, line, &full[s]);
        }
    };
    for (int s = 0; s < STAGES - 1; s++) issue(s);
    unsigned acc = 0;
    for (int step = 0; step < steps; step++) {
        mbarWait(&full[step % STAGES], (step / STAGES) & 1);
        acc = consume(smem + (step % STAGES) * BLOCK_STAGE_CHUNKS + warp * 512, lane, 512, acc);
        __syncthreads();
        issue(step + STAGES - 1);
    }
    out[blockIdx.x * 128 + threadIdx.x] = acc;
}

typedef CUresult (*EncodeFn)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*, const cuuint64_t*,
                             const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave, CUtensorMapSwizzle,
                             CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

static CUtensorMap makeMap(void* base, size_t lines, int boxLines, CUtensorMapL2promotion promo) {
    CUtensorMap m;
    cuuint64_t dims[2] = {64, lines};
    cuuint64_t strides[1] = {128};
    cuuint32_t box[2] = {64, (cuuint32_t) boxLines};
    cuuint32_t es[2] = {1, 1};
    CD(cuTensorMapEncodeTiled(&m, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, base, dims, strides, box, es,
                              CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, promo,
                              CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE));
    return m;
}

__global__ void fill(uint4* p, size_t n, unsigned seed) {
    for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x) {
        unsigned h = (unsigned) i * 2654435761u ^ seed;
        p[i] = make_uint4(h, h * 7, h * 13, h * 31);
    }
}

int main(int argc, char** argv) {
    int keys = argc > 1 ? atoi(argv[1]) : 32768;
    int rows = argc > 2 ? atoi(argv[2]) : 512;
    double warmMs = argc > 3 ? atof(argv[3]) : 1000;
    int reps = argc > 4 ? atoi(argv[4]) : 20;
    CK(cudaFree(0));
    size_t lines = (size_t) rows * keys * 2, chunks = lines * 8;
    uint4 *K, *V; unsigned* out;
    CK(cudaMalloc(&K, chunks * 16)); CK(cudaMalloc(&V, chunks * 16)); CK(cudaMalloc(&out, rows * 128 * 4));
    fill<<<1024, 256>>>(K, chunks, 1); fill<<<1024, 256>>>(V, chunks, 2); CK(cudaDeviceSynchronize());
    int smemBytes = STAGES * BLOCK_STAGE_CHUNKS * 16;
    CK(cudaFuncSetAttribute(cpasync, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes));
    CK(cudaFuncSetAttribute(tmaWarp, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes + 1024));
    CK(cudaFuncSetAttribute(tmaBlock, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes + 1024));
    CUtensorMap kw = makeMap(K, lines, 32, CU_TENSOR_MAP_L2_PROMOTION_L2_256B), vw = makeMap(V, lines, 32, CU_TENSOR_MAP_L2_PROMOTION_L2_256B);
    CUtensorMap kb = makeMap(K, lines, 128, CU_TENSOR_MAP_L2_PROMOTION_L2_256B), vb = makeMap(V, lines, 128, CU_TENSOR_MAP_L2_PROMOTION_L2_256B);
    CUtensorMap kw0 = makeMap(K, lines, 32, CU_TENSOR_MAP_L2_PROMOTION_NONE), vw0 = makeMap(V, lines, 32, CU_TENSOR_MAP_L2_PROMOTION_NONE);
    // The TMA kernels keep their mbarriers after the ring, in the same dynamic shared memory (1 KB more).
    cudaEvent_t a, b; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
    std::vector<std::string> names = {"cpasync", "tma_warp", "tma_warp_nopromo", "tma_block"};
    auto launch = [&](int v) {
        switch (v) {
            case 0: cpasync<<<rows, 128, smemBytes>>>(K, V, keys, out); break;
            case 1: tmaWarp<<<rows, 128, smemBytes + 1024>>>(kw, vw, keys, out); break;
            case 2: tmaWarp<<<rows, 128, smemBytes + 1024>>>(kw0, vw0, keys, out); break;
            case 3: tmaBlock<<<rows, 128, smemBytes + 1024>>>(kb, vb, keys, out); break;
        }
    };
    // correctness: every variant reads the same words, so the XOR of all outputs must agree
    std::vector<unsigned> host(rows * 128);
    unsigned ref = 0;
    for (int v = 0; v < 4; v++) {
        launch(v); CK(cudaGetLastError()); CK(cudaDeviceSynchronize());
        CK(cudaMemcpy(host.data(), out, host.size() * 4, cudaMemcpyDeviceToHost));
        unsigned x = 0; for (unsigned h : host) x += h;
        printf("# %s checksum %08x\n", names[v].c_str(), x);
    }
    double bytes = 2.0 * chunks * 16;
    for (int round = 0; round < 2; round++) {
        for (int v = 0; v < 4; v++) {
            float ms; double spent = 0;
            while (spent < (round == 0 && v == 0 ? warmMs : 200)) { CK(cudaEventRecord(a)); launch(v); CK(cudaEventRecord(b)); CK(cudaEventSynchronize(b)); CK(cudaEventElapsedTime(&ms, a, b)); spent += ms; }
            std::vector<float> t;
            for (int r = 0; r < reps; r++) { CK(cudaEventRecord(a)); launch(v); CK(cudaEventRecord(b)); CK(cudaEventSynchronize(b)); CK(cudaEventElapsedTime(&ms, a, b)); t.push_back(ms); }
            std::sort(t.begin(), t.end());
            printf("%-18s keys %6d rows %d round %d: median %.4f ms min %.4f -> %.3f TB/s\n", names[v].c_str(), keys, rows, round,
                   t[reps / 2], t[0], bytes / (t[reps / 2] * 1e-3) / 1e12);
        }
    }
    return 0;
}
