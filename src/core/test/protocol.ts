/** Shared fixtures of the protocol-file tests: the `reading` message and Python's Modbus CRC reference. Not part of the engine. */

/** A `messages:` block with the issue's `reading` layout (kind 2, CRC-16/MODBUS appended little-endian). */
export const READING_MESSAGES = `messages:
  reading:
    format: '<BBHf'
    fields: [kind, unit, seq, value]
    match: {kind: 2}
    checksum: {algorithm: crc16-modbus, append: '<H'}
`;

/** `modbus(data)`: CRC-16/MODBUS the textbook way, for Python peers and reference computations. */
export const PY_MODBUS = `
def modbus(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc
`;
