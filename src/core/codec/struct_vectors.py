#!/usr/bin/env python3
"""Test vectors for src/core/codec/struct.ts, produced by CPython's own struct module.

Prints one JSON document: {"python": "3.11.7", "cases": [...]}. Stdlib only, seeded (argv[1], default 20260129),
so a run is reproducible. Each case is one of
  {"op": "calcsize", "fmt": F, "size": N}
  {"op": "pack", "fmt": F, "args": [V...], "hex": H}          also checks unpack(F, H) == args round trip
  {"op": "unpack", "fmt": F, "hex": H, "values": [V...]}
  {"op": "unpack_from", "fmt": F, "hex": H, "offset": N, "values": [V...]}
  {"op": ..., ..., "error": MESSAGE, "etype": "error" | "OverflowError" | ...}   the call raises
Values V are tagged lists:
  ["int", "<decimal>"]  ["float", "<repr>" | "nan" | "inf" | "-inf"]  ["bool", true|false]  ["bytes", "<hex>"]
"""
import json
import math
import random
import struct
import sys

SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 20260129
rnd = random.Random(SEED)

PREFIXES = ['', '@', '=', '<', '>', '!']
NATIVE_ONLY = 'nNP'
ALL_CODES = 'xcbB?hHiIlLqQnNefdspP'
INT_CODES = 'bBhHiIlLqQnNP'
WS = [' ', '\t', '\n', '  ']


def enc(v):
    if isinstance(v, bool):
        return ['bool', v]
    if isinstance(v, int):
        return ['int', str(v)]
    if isinstance(v, float):
        if math.isnan(v):
            return ['float', 'nan']
        if math.isinf(v):
            return ['float', 'inf' if v > 0 else '-inf']
        return ['float', repr(v)]
    if isinstance(v, (bytes, bytearray)):
        return ['bytes', bytes(v).hex()]
    raise TypeError(type(v))


def int_range(prefix, code):
    size = struct.calcsize(prefix + code) if code != 'x' else 1
    signed = code in 'bhilqn'
    if code == 'P':
        signed = False
    bits = size * 8
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def rand_int(prefix, code):
    lo, hi = int_range(prefix, code)
    r = rnd.random()
    if r < 0.15:
        return rnd.choice([lo, hi, 0, 1, -1 if lo < 0 else 2, lo + 1, hi - 1])
    if r < 0.3:
        # around powers of two
        b = rnd.randint(0, (hi - lo).bit_length() - 1)
        v = (1 << b) + rnd.randint(-2, 2)
        if lo < 0 and rnd.random() < 0.5:
            v = -v
        return min(hi, max(lo, v))
    return rnd.randint(lo, hi)


def rand_float(code):
    r = rnd.random()
    if code == 'e':
        if r < 0.1:
            return rnd.choice([0.0, -0.0, 1.0, -2.0, 65504.0, -65504.0, 6.1e-05, 5.960464477539063e-08,
                               float('inf'), float('-inf'), float('nan'), 65519.99, 2.0 ** -25, 2.0 ** -24 * 1.5])
        if r < 0.35:
            # exact ties between two half values -> round half to even
            e = rnd.randint(-14, 15)
            m = rnd.randint(0, 1023)
            v = (1 + (m + 0.5) / 1024) * 2.0 ** e
            return -v if rnd.random() < 0.5 else v
        if r < 0.5:
            # subnormal range
            return rnd.uniform(-6.2e-05, 6.2e-05)
        return rnd.uniform(-65000, 65000) * (10 ** rnd.uniform(-6, 0))
    if code == 'f':
        if r < 0.1:
            return rnd.choice([0.0, -0.0, 1.5, float('inf'), float('-inf'), float('nan'), 3.4028234663852886e+38,
                               1.401298464324817e-45, 1e-46, 3.4028235e+38])
        if r < 0.3:
            return struct.unpack('<f', struct.pack('<I', rnd.getrandbits(32) & 0x7f7fffff))[0]
        return rnd.uniform(-1, 1) * 10 ** rnd.uniform(-40, 38)
    if r < 0.1:
        return rnd.choice([0.0, -0.0, 1.5, float('inf'), float('-inf'), float('nan'), 5e-324, 1.7976931348623157e308])
    if r < 0.4:
        while True:
            v = struct.unpack('<d', struct.pack('<Q', rnd.getrandbits(64)))[0]
            if not math.isnan(v):
                return v
    return rnd.uniform(-1, 1) * 10 ** rnd.uniform(-300, 300)


def rand_bytes(n):
    return bytes(rnd.getrandbits(8) for _ in range(n))


def rand_format():
    prefix = rnd.choice(PREFIXES)
    codes = ALL_CODES if prefix in ('', '@') else ''.join(c for c in ALL_CODES if c not in NATIVE_ONLY)
    parts = []
    for _ in range(rnd.randint(1, 6)):
        c = rnd.choice(codes)
        r = rnd.random()
        if c in 'sp':
            count = rnd.choice(['', str(rnd.randint(0 if c == 's' else 1, 12)), str(rnd.randint(250, 300))]) if r < 0.97 or c == 'p' else '0'
        elif r < 0.55:
            count = ''
        elif r < 0.65:
            count = '0'
        else:
            count = str(rnd.randint(1, 4))
        parts.append(count + c)
    sep = lambda: rnd.choice(WS) if rnd.random() < 0.15 else ''
    return prefix + ''.join(sep() + p for p in parts)


def values_for(fmt):
    """Random valid values for a format, by walking it like CPython does."""
    prefix = fmt[0] if fmt and fmt[0] in '@=<>!' else ''
    body = fmt[len(prefix):]
    vals = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch.isspace():
            i += 1
            continue
        num = ''
        while body[i].isdigit():
            num += body[i]
            i += 1
        c = body[i]
        i += 1
        n = int(num) if num else 1
        if c in 'sp':
            lim = n + rnd.randint(-3, 3) if rnd.random() < 0.7 else rnd.randint(0, 300)
            vals.append(rand_bytes(max(0, lim)))
        elif c == 'x':
            pass
        else:
            for _ in range(n):
                if c == 'c':
                    vals.append(rand_bytes(1))
                elif c == '?':
                    vals.append(rnd.choice([True, False]))
                elif c in 'efd':
                    vals.append(rand_float(c))
                else:
                    vals.append(rand_int(prefix, c))
    return vals


cases = []


def run(case, fn):
    try:
        fn(case)
    except Exception as e:  # noqa: BLE001 - we record whatever CPython raises
        for k in ('hex', 'values', 'size') if case['op'] == 'pack' else ('values', 'size'):
            case.pop(k, None)
        case['error'] = str(e)
        case['etype'] = type(e).__name__
    cases.append(case)


def do_pack(case):
    raw = [dec_for_python(a) for a in case['args']]
    packed = struct.pack(case['fmt'], *raw)
    case['hex'] = packed.hex()
    case['values'] = [enc(v) for v in struct.unpack(case['fmt'], packed)]


def dec_for_python(a):
    t, v = a
    if t == 'int':
        return int(v)
    if t == 'float':
        return float(v)
    if t == 'bool':
        return v
    if t == 'bytes':
        return bytes.fromhex(v)
    raise TypeError(t)


def do_unpack(case):
    case['values'] = [enc(v) for v in struct.unpack(case['fmt'], bytes.fromhex(case['hex']))]


def do_unpack_from(case):
    case['values'] = [enc(v) for v in struct.unpack_from(case['fmt'], bytes.fromhex(case['hex']), case['offset'])]


def do_calcsize(case):
    case['size'] = struct.calcsize(case['fmt'])


# 1. random formats: calcsize, pack with valid values, unpack of random bytes
for _ in range(450):
    fmt = rand_format()
    run({'op': 'calcsize', 'fmt': fmt}, do_calcsize)
    run({'op': 'pack', 'fmt': fmt, 'args': [enc(v) for v in values_for(fmt)]}, do_pack)
    size = struct.calcsize(fmt)
    run({'op': 'unpack', 'fmt': fmt, 'hex': rand_bytes(size).hex()}, do_unpack)

# 2. alignment corner cases (native vs standard)
for fmt in ['c0i', 'x0q', 'bh', 'bi', 'bq', 'bd', 'be', 'bP', 'bn', '?f', 'ch0l', 'llh0l', 'ci', '=ci', '<bq', '!bq',
            '3sq', 'c i', ' i', 'i ', '\ti\n', 'hd', 'bbbbi', 'sH', '0s', '10s', '0x', '5x', 'cpq', '255p', 'ii0e', '']:
    run({'op': 'calcsize', 'fmt': fmt}, do_calcsize)

# 3. every integer code at and beyond its limits, in every mode
BOUNDS = [-2 ** 70, -2 ** 64, -2 ** 63 - 1, -2 ** 63, -2 ** 32, -2 ** 31 - 1, -2 ** 31, -2 ** 15 - 1, -2 ** 15, -129, -128,
          -1, 0, 127, 128, 255, 256, 2 ** 15 - 1, 2 ** 15, 2 ** 16 - 1, 2 ** 16, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32,
          2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, 2 ** 70]
for prefix in PREFIXES:
    for c in INT_CODES:
        if prefix not in ('', '@') and c in NATIVE_ONLY:
            continue
        for v in BOUNDS:
            run({'op': 'pack', 'fmt': prefix + c, 'args': [enc(v)]}, do_pack)

# 4. float specials and overflow
for prefix in PREFIXES:
    for c in 'efd':
        for v in [65504.0, 65519.99, 65520.0, 1e5, -1e5, 3.4028234663852886e+38, 3.4028235677973366e+38,
                  3.4028235677973362e+38, 1e39, -1e39, 1e300, float('inf'), float('nan'), -0.0, 2.0 ** -24, 2.0 ** -25,
                  2.0 ** -25 * 1.0000001, 2.0 ** -149, 2.0 ** -150, 2.0 ** -150 * 1.5, 0.1, 1 / 3]:
            run({'op': 'pack', 'fmt': prefix + c, 'args': [enc(v)]}, do_pack)
        for v in [2 ** 80, -(2 ** 80), 2 ** 1023, 2 ** 1024, True]:
            run({'op': 'pack', 'fmt': prefix + c, 'args': [enc(v)]}, do_pack)

# 5. every half float bit pattern class
for h in list(range(0, 0x10000, 97)) + [0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0x7c01, 0x7e00, 0xfc00, 0x8000]:
    for p in ('<', '>'):
        run({'op': 'unpack', 'fmt': p + 'e', 'hex': struct.pack(p + 'H', h).hex()}, do_unpack)

# 6. s / p padding and truncation
for c in 'sp':
    for n in [0, 1, 2, 3, 10, 255, 256, 257, 300]:
        if c == 'p' and n == 0:
            continue  # CPython's '0p' reads/writes outside the buffer
        for ln in [0, 1, n - 1, n, n + 1, 260]:
            if ln < 0:
                continue
            run({'op': 'pack', 'fmt': '%d%s' % (n, c), 'args': [enc(rand_bytes(ln))]}, do_pack)
    for n in [1, 2, 5, 256, 300]:
        for first in [0, 1, n - 1, n, 255]:
            data = bytes([first % 256]) + rand_bytes(n - 1)
            run({'op': 'unpack', 'fmt': '%d%s' % (n, c), 'hex': data.hex()}, do_unpack)
    run({'op': 'pack', 'fmt': c, 'args': [enc(1)]}, do_pack)
    run({'op': 'pack', 'fmt': '3' + c + 'i', 'args': [enc(1.5), enc(1)]}, do_pack)

# 7. '?' truthiness and unpacking of non-0/1 bytes
for prefix in PREFIXES:
    for v in [0, 1, 2, -1, 2 ** 70, 0.0, -0.0, 0.5, float('nan'), b'', b'\x00', True, False]:
        run({'op': 'pack', 'fmt': prefix + '?', 'args': [enc(v)]}, do_pack)
    for b in [0, 1, 2, 0x80, 0xff]:
        run({'op': 'unpack', 'fmt': prefix + '?', 'hex': '%02x' % b}, do_unpack)

# 8. type errors and wrong value counts
for fmt, args in [('i', [1.5]), ('i', [b'a']), ('Q', [float('nan')]), ('q', [float('inf')]), ('d', [b'x']),
                  ('e', [b'']), ('c', [b'ab']), ('c', [b'']), ('c', [1]), ('c', [b'z']), ('s', [1]), ('p', [True]),
                  ('2i', [1]), ('2i', [1, 2, 3]), ('', [1]), ('3s', []), ('3x', [1]), ('0i', []), ('0i', [1]),
                  ('i0s', [1, b'abc']), ('2si', [b'ab', 3]), ('<hxH', [1, 2]), ('b', [True]), ('B', [False])]:
    run({'op': 'pack', 'fmt': fmt, 'args': [enc(a) for a in args]}, do_pack)

# 9. bad formats
for fmt in ['z', 'i3', '3', '3 i', '<<i', ' <i', '<n', '=N', '!P', '>P', 'iz', 'i\x0b', 'Z', '%', 'i-1',
            '99999999999999999999i', '9223372036854775807x', '9223372036854775808x', '4611686018427387904h',
            '2305843009213693952q', '1000000000000s', '@2305843009213693951qc', 'x4611686018427387903h']:
    run({'op': 'calcsize', 'fmt': fmt}, do_calcsize)

# 10. unpack buffer sizes and unpack_from offsets
for fmt, n in [('i', 3), ('i', 5), ('2i', 0), ('<h', 3), ('0s', 1), ('q', 7), ('', 1)]:
    run({'op': 'unpack', 'fmt': fmt, 'hex': rand_bytes(n).hex()}, do_unpack)
for fmt, n, off in [('i', 4, 0), ('i', 8, 4), ('i', 8, 3), ('i', 4, 2), ('i', 4, 5), ('i', 4, -4), ('i', 6, -5),
                    ('i', 4, -2), ('i', 4, -5), ('<hH', 10, 3), ('>Q', 16, -8), ('', 0, 0), ('', 3, 3), ('', 3, 4),
                    ('2s', 2, -1), ('i', 0, 0)]:
    run({'op': 'unpack_from', 'fmt': fmt, 'hex': rand_bytes(n).hex(), 'offset': off}, do_unpack_from)

print(json.dumps({'python': '%d.%d.%d' % sys.version_info[:3], 'seed': SEED, 'cases': cases}))
