// Copy-path microbenchmark, round 2 (not part of the library): variants of the cp.async ring that streams one
// (sequence, KV head) row's K and V (bf16, d 128) per block, 512 blocks, 2 per SM, against the first round's
// per-warp ring (docs/gpu-decode.md "Where the 32K gap is").
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <vector>
#include <algorithm>
#include <string>

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("CUDA %s at %d: %s\n", #x, __LINE__, cudaGetErrorString(e)); exit(1);} } while (0)

constexpr int WARP_KEYS = 16, BLOCK_KEYS = 64;
constexpr int WARP_STAGE_CHUNKS = 2 * WARP_KEYS * 16;
constexpr int BLOCK_STAGE_CHUNKS = 4 * WARP_STAGE_CHUNKS;

__device__ __forceinline__ unsigned sm(const void* p) { return (unsigned) __cvta_generic_to_shared(p); }

__device__ __forceinline__ unsigned consume(const uint4* st, int lane, unsigned acc) {
#pragma unroll
    for (int i = 0; i < 16; i++) { uint4 w = st[i * 32 + lane]; acc += w.x + w.y * 3 + w.z * 5 + w.w * 7; }
    return acc;
}

enum Mode { WARP = 0, WARP_KFIRST = 1, WARP_L2_256 = 2, WARP_EVICT_FIRST = 3, BLOCK = 4, WARP_L2_128 = 5, WARP_EVICT_NORMAL_NOALLOC = 6 };

template <int MODE>
__device__ __forceinline__ void cp16(unsigned dst, const void* src, uint64_t pol) {
    if (MODE == WARP_L2_256) asm volatile("cp.async.cg.shared.global.L2::256B [%0], [%1], 16;" :: "r"(dst), "l"(src));
    else if (MODE == WARP_L2_128) asm volatile("cp.async.cg.shared.global.L2::128B [%0], [%1], 16;" :: "r"(dst), "l"(src));
    else if (MODE == WARP_EVICT_FIRST) asm volatile("cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, %2;" :: "r"(dst), "l"(src), "l"(pol));
    else asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" :: "r"(dst), "l"(src));
}

template <int MODE, int STAGES>
__global__ void __launch_bounds__(128, 2) ring(const uint4* K, const uint4* V, int keys, unsigned* out) {
    extern __shared__ __align__(1024) uint4 smem[];
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, laneRow = lane >> 4, chunk = lane & 15;
    size_t rowBase = (size_t) blockIdx.x * keys;
    int steps = keys / BLOCK_KEYS;
    uint64_t pol = 0;
    if (MODE == WARP_EVICT_FIRST) asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(pol));
    uint4* ring = MODE == BLOCK ? smem : smem + warp * STAGES * WARP_STAGE_CHUNKS;
    auto issue = [&](int step) {
        if (step < steps) {
            if (MODE == BLOCK) {
                // the block's 64 keys: K 1024 chunks then V, thread t copies chunks t + 128 m (each warp instruction 512 contiguous bytes)
                size_t c0 = (rowBase + (size_t) step * BLOCK_KEYS) * 16;
                uint4* st = ring + (step % STAGES) * BLOCK_STAGE_CHUNKS;
#pragma unroll
                for (int m = 0; m < 8; m++) {
                    int c = threadIdx.x + 128 * m, row = c >> 4, ch = c & 15;
                    cp16<MODE>(sm(st + row * 16 + (ch ^ (row & 7))), K + c0 + c, pol);
                    cp16<MODE>(sm(st + 1024 + row * 16 + (ch ^ (row & 7))), V + c0 + c, pol);
                }
            } else {
                size_t key0 = rowBase + (size_t) step * BLOCK_KEYS + warp * WARP_KEYS;
                uint4* st = ring + (step % STAGES) * WARP_STAGE_CHUNKS;
                if (MODE == WARP_KFIRST) {
#pragma unroll
                    for (int m = 0; m < 8; m++) { int row = 2 * m + laneRow; cp16<MODE>(sm(st + row * 16 + (chunk ^ (row & 7))), K + (key0 + row) * 16 + chunk, pol); }
#pragma unroll
                    for (int m = 0; m < 8; m++) { int row = 2 * m + laneRow; cp16<MODE>(sm(st + 256 + row * 16 + (chunk ^ (row & 7))), V + (key0 + row) * 16 + chunk, pol); }
                } else {
#pragma unroll
                    for (int m = 0; m < 8; m++) {
                        int row = 2 * m + laneRow;
                        cp16<MODE>(sm(st + row * 16 + (chunk ^ (row & 7))), K + (key0 + row) * 16 + chunk, pol);
                        cp16<MODE>(sm(st + 256 + row * 16 + (chunk ^ (row & 7))), V + (key0 + row) * 16 + chunk, pol);
                    }
                }
            }
        }
        asm volatile("cp.async.commit_group;");
    };
    for (int s = 0; s < STAGES - 1; s++) issue(s);
    unsigned acc = 0;
    for (int step = 0; step < steps; step++) {
        asm volatile("cp.async.wait_group %0;" :: "n"(STAGES - 2));
        if (MODE == BLOCK) __syncthreads(); else __syncwarp();
        acc = consume(ring + (step % STAGES) * (MODE == BLOCK ? BLOCK_STAGE_CHUNKS : WARP_STAGE_CHUNKS) + (MODE == BLOCK ? warp * 512 : 0), lane, acc);
        if (MODE == BLOCK) __syncthreads(); else __syncwarp();
        issue(step + STAGES - 1);
    }
    out[blockIdx.x * 128 + threadIdx.x] = acc;
}

// Register pipeline, no shared memory: each lane keeps 8 K and 8 V 16-byte loads of the next step in flight.
__global__ void __launch_bounds__(128, 2) regs(const uint4* K, const uint4* V, int keys, unsigned* out) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    size_t rowBase = (size_t) blockIdx.x * keys;
    int steps = keys / BLOCK_KEYS;
    unsigned acc = 0;
    uint4 k[8], v[8];
    auto load = [&](int step) {
        size_t c0 = (rowBase + (size_t) step * BLOCK_KEYS + warp * WARP_KEYS) * 16;
#pragma unroll
        for (int m = 0; m < 8; m++) {
            asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];" : "=r"(k[m].x), "=r"(k[m].y), "=r"(k[m].z), "=r"(k[m].w) : "l"(K + c0 + lane + 32 * m));
            asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];" : "=r"(v[m].x), "=r"(v[m].y), "=r"(v[m].z), "=r"(v[m].w) : "l"(V + c0 + lane + 32 * m));
        }
    };
    load(0);
    for (int step = 0; step < steps; step++) {
        uint4 kc[8], vc[8];
#pragma unroll
        for (int m = 0; m < 8; m++) { kc[m] = k[m]; vc[m] = v[m]; }
        if (step + 1 < steps) load(step + 1);
#pragma unroll
        for (int m = 0; m < 8; m++) acc += kc[m].x + kc[m].y * 3 + kc[m].z * 5 + kc[m].w * 7 + vc[m].x + vc[m].y * 3 + vc[m].z * 5 + vc[m].w * 7;
    }
    out[blockIdx.x * 128 + threadIdx.x] = acc;
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
    size_t chunks = (size_t) rows * keys * 16;
    uint4 *K, *V; unsigned* out;
    CK(cudaMalloc(&K, chunks * 16)); CK(cudaMalloc(&V, chunks * 16)); CK(cudaMalloc(&out, rows * 128 * 4));
    fill<<<1024, 256>>>(K, chunks, 1); fill<<<1024, 256>>>(V, chunks, 2); CK(cudaDeviceSynchronize());
    struct Variant { const char* name; void (*fn)(const uint4*, const uint4*, int, unsigned*); int smem; };
    std::vector<Variant> vs = {
        {"warp3", ring<WARP, 3>, 3 * BLOCK_STAGE_CHUNKS * 16},
        {"warp3_kfirst", ring<WARP_KFIRST, 3>, 3 * BLOCK_STAGE_CHUNKS * 16},
        {"warp3_l2_256", ring<WARP_L2_256, 3>, 3 * BLOCK_STAGE_CHUNKS * 16},
        {"warp3_l2_128", ring<WARP_L2_128, 3>, 3 * BLOCK_STAGE_CHUNKS * 16},
        {"warp3_evict_first", ring<WARP_EVICT_FIRST, 3>, 3 * BLOCK_STAGE_CHUNKS * 16},
        {"block3", ring<BLOCK, 3>, 3 * BLOCK_STAGE_CHUNKS * 16},
        {"warp2", ring<WARP, 2>, 2 * BLOCK_STAGE_CHUNKS * 16},
        {"block2", ring<BLOCK, 2>, 2 * BLOCK_STAGE_CHUNKS * 16},
        {"regs", regs, 0},
    };
    for (auto& v : vs) if (v.smem) CK(cudaFuncSetAttribute(v.fn, cudaFuncAttributeMaxDynamicSharedMemorySize, v.smem));
    cudaEvent_t a, b; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
    std::vector<unsigned> host(rows * 128);
    for (auto& v : vs) {
        v.fn<<<rows, 128, v.smem>>>(K, V, keys, out); CK(cudaGetLastError()); CK(cudaDeviceSynchronize());
        CK(cudaMemcpy(host.data(), out, host.size() * 4, cudaMemcpyDeviceToHost));
        unsigned x = 0; for (unsigned h : host) x += h;
        printf("# %s checksum %08x\n", v.name, x);
    }
    double bytes = 2.0 * chunks * 16;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < vs.size(); i++) {
            auto& v = vs[i];
            float ms; double spent = 0;
            while (spent < (round == 0 && i == 0 ? warmMs : 200)) { CK(cudaEventRecord(a)); v.fn<<<rows, 128, v.smem>>>(K, V, keys, out); CK(cudaEventRecord(b)); CK(cudaEventSynchronize(b)); CK(cudaEventElapsedTime(&ms, a, b)); spent += ms; }
            std::vector<float> t;
            for (int r = 0; r < reps; r++) { CK(cudaEventRecord(a)); v.fn<<<rows, 128, v.smem>>>(K, V, keys, out); CK(cudaEventRecord(b)); CK(cudaEventSynchronize(b)); CK(cudaEventElapsedTime(&ms, a, b)); t.push_back(ms); }
            std::sort(t.begin(), t.end());
            printf("%-18s keys %6d rows %d round %d: median %.4f ms min %.4f -> %.3f TB/s\n", v.name, keys, rows, round,
                   t[reps / 2], t[0], bytes / (t[reps / 2] * 1e-3) / 1e12);
        }
    }
    return 0;
}
