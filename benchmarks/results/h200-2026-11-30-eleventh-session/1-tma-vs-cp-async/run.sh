#!/bin/bash
# Copy-path microbenchmark call: build, then cp.async vs TMA rings at 32K and 128K, SDPA in the same call, clocks logged.
cd "$(dirname "$0")"
nvcc -O3 -arch=sm_90a -Xptxas -v -o stream stream.cu -lcuda > $OUT/nvcc.log 2>&1 || { cat $OUT/nvcc.log; exit 1; }
grep -E "registers|spill" $OUT/nvcc.log | head -20
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_event_reasons.active --format=csv -lms 200 > $OUT/smi.csv &
SMI=$!
date -u
./stream 32768 512 1000 20
./stream 131072 512 300 10
python3 ../gpu/sdpa_decode.py --dtypes bf16 --batches 64 --contexts 32768,131072 2>&1 | tail -4
./stream 32768 512 1000 20
./stream 32768 528 300 20
kill $SMI
