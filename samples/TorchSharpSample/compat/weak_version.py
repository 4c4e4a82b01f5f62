# Marks one version requirement (vna_name) of an ELF64 file as weak (VER_FLG_WEAK) in place, so that the loader
# accepts a libstdc++ without that version; run.sh uses it on libLibTorchSharp.so for GLIBCXX_3.4.32.
import struct, sys
path, want = sys.argv[1], sys.argv[2].encode()
b = bytearray(open(path, 'rb').read())
shoff, = struct.unpack_from('<Q', b, 0x28); shentsize, shnum, shstrndx = struct.unpack_from('<HHH', b, 0x3A)
secs = [struct.unpack_from('<IIQQQQIIQQ', b, shoff + i * shentsize) for i in range(shnum)]
SHT_GNU_verneed = 0x6ffffffe
done = 0
for s in secs:
    if s[1] != SHT_GNU_verneed: continue
    strtab = secs[s[6]]; stroff = strtab[4]
    off = s[4]
    for _ in range(s[7]):  # sh_info = number of Verneed entries
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from('<HHIII', b, off)
        a = off + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from('<IHHII', b, a)
            name = b[stroff + vna_name: b.index(0, stroff + vna_name)]
            if name == want:
                struct.pack_into('<H', b, a + 4, vna_flags | 2); done += 1
            a += vna_next
        off += vn_next
open(path, 'wb').write(b)
print(f'{path}: {done} requirement(s) of {want.decode()} marked weak')
