#!/bin/bash
cd "$(dirname "$0")"
nvcc -O3 -arch=sm_90a -Xptxas -v -o stream2 stream2.cu > $OUT/nvcc2.log 2>&1 || { cat $OUT/nvcc2.log; exit 1; }
grep -E "registers" $OUT/nvcc2.log | head -20
date -u
./stream2 32768 512 1000 20
python3 ../gpu/sdpa_decode.py --dtypes bf16 --batches 64 --contexts 32768 2>&1 | tail -1
./stream2 32768 512 300 20
./stream2 131072 512 300 10
