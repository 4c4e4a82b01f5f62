"""Writes the hostile CAM dumps of the reader tests with real numpy 1.24 / torch 1.13 (run with /usr/bin/python3).

Stride-0 torch views (issue "hostile inputs", item 2): `torch.zeros(1).expand(...)` pickles as a one-element
storage and a (0, 0, ...) stride, so a 1 KB dump stands for hundreds of millions of elements.

  expand_cam.npy        IRN dict whose 'cam' is torch.zeros(1).expand(1, 16384, 16384) (268 M elements)
  expand_unused_x20.npy a valid small IRN dict plus twenty such views under keys no reader uses
  expand_psa_x20.npy    a PSA dict {0..19: torch.zeros(1).expand(1024, 1024)}: 21 M elements in all, 1 M each

Messages (item 12): dumps whose errors once read "keyss are not strictly ascending" and "is a None".

  keys_descending.npy   a VWE-style (numpy) dict whose 'keys' are [7, 2]
  high_res_none.npy     an IRN dict whose 'high_res' is None

A view torch itself refuses to make ("Storage size calculation overflowed"), so its pickle is patched:

  stride_overflow.npy   an IRN dict whose 'cam' is torch.zeros(1, 3, 7) with its stride tuple (21, 7, 1) rewritten
                        to (21, 2**62, 1): summed without overflow checks, the view's last element (2 * 2**62 + 6)
                        wraps to a negative index, inside the 21-element storage by a signed comparison
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, obj):
    np.save(os.path.join(HERE, name), obj, allow_pickle=True)
    print(name, os.path.getsize(os.path.join(HERE, name)), "bytes")


def small_irn():
    return {"keys": torch.tensor([2, 7]), "cam": torch.ones(2, 3, 4) * 0.5,
            "high_res": np.full((2, 9, 13), 0.25, dtype=np.float32)}


save("expand_cam.npy", {"keys": torch.tensor([2]), "cam": torch.zeros(1).expand(1, 16384, 16384),
                        "high_res": np.zeros((1, 4, 4), dtype=np.float32)})
unused = small_irn()
for i in range(20):
    unused[f"unused_{i}"] = torch.zeros(1).expand(1, 16384, 16384)
save("expand_unused_x20.npy", unused)
save("expand_psa_x20.npy", {k: torch.zeros(1).expand(1024, 1024) for k in range(20)})

save("keys_descending.npy", {"keys": np.array([7, 2]), "cam": np.zeros((2, 3, 4), np.float32),
                             "high_res": np.zeros((2, 9, 13), np.float32)})
save("high_res_none.npy", {"keys": torch.tensor([2]), "cam": torch.zeros(1, 3, 4), "high_res": None})

stride_dump = {"keys": torch.tensor([2]), "cam": torch.zeros(1, 3, 7), "high_res": np.zeros((1, 9, 13), np.float32)}
save("stride_overflow.npy", stride_dump)
path = os.path.join(HERE, "stride_overflow.npy")
with open(path, "rb") as f:
    data = f.read()
# Protocol 3 (np.save) has no frames, so an opcode may be replaced by a longer one: K 7 (BININT1) becomes
# LONG1 of 8 bytes holding 2**62.
stride = b"K\x15K\x07K\x01\x87"
assert data.count(stride) == 1, data.count(stride)
data = data.replace(stride, b"K\x15\x8a\x08" + (2**62).to_bytes(8, "little") + b"K\x01\x87")
with open(path, "wb") as f:
    f.write(data)
