"""Builds afl-fuzz's starting corpus from a few small test fixtures (nothing is committed but this script).

Each seed is one selector byte (0 NPY/CAM dump, 1 raw pickle, 2 label PNG; see WsssGpuRefine.Fuzz/Program.cs)
followed by the file. Usage: python3 make_seeds.py OUTDIR
"""
import os
import sys

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "tests", "WsssGpuRefine.Tests", "Fixtures", "io")
NPY = ["npy/v3_f4.npy", "npy/fortran_i8_2d.npy", "npy/plain_be_f2.npy", "dumps/torch_v3.npy", "dumps/d_zero_class.npy",
       "dumps/a_strided_p2.npy", "bad/evil_eval_p2.npy"]
PNG = ["png/hand_palette_2bit_adam7.png", "png/hand_gray_filters.png", "png/palette_4bit.png"]


def main(out):
    os.makedirs(out, exist_ok=True)
    for i, name in enumerate(NPY + PNG):
        with open(os.path.join(FIXTURES, name), "rb") as f:
            data = f.read()
        if name.endswith(".png"):
            seeds = [(2, data)]
        else:
            seeds = [(0, data)]
            if data[6] == 1 and b"|O" in data[:128]:
                # The pickle alone, after the v1 header, for the raw-pickle selector.
                header = int.from_bytes(data[8:10], "little")
                seeds.append((1, data[10 + header:]))
        for sel, body in seeds:
            with open(os.path.join(out, f"{i:02d}_{sel}_{os.path.basename(name)}"), "wb") as f:
                f.write(bytes([sel]) + body)


if __name__ == "__main__":
    main(sys.argv[1])
