#!/bin/bash
cd "$(dirname "$0")"
nvcc -O3 -arch=sm_90a -o stream3 stream3.cu > $OUT/nvcc3.log 2>&1 || { cat $OUT/nvcc3.log; exit 1; }
date -u
for i in 1 2; do
./stream3 32768 512 1000 30 | grep -v checksum
python3 ../gpu/sdpa_decode.py --dtypes bf16 --batches 64 --contexts 32768 2>&1 | tail -1 | grep -o '"median_ms": [0-9.]*'
done
./stream3 65536 512 300 20 | grep -v checksum
