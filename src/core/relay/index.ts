/** The relay engine: TCP and UDP relays with fault injection, recording and pcapng export. */
export * from './types';
export * from './faults';
export * from './options';
export { createRng, deriveSeed, type Rng } from './prng';
export { TcpRelay, TcpPair, UPSTREAM_CONNECT_TIMEOUT_MS } from './tcp';
export { UdpRelay, UdpPair } from './udp';
export { LANE_HIGH_WATER, LANE_LOW_WATER } from './lane';
export { RecordWriter, EntryClock, readRecording, laneData, laneFramingOf, toEntry, RecordingError, RECORDING_FORMAT, RECORDING_VERSION, type Recording, type RecordEntry, type RecordingHeader } from './record';
export { PcapngWriter, PacketSynthesizer, writePcapng, PCAP_MAX_SEGMENT } from './pcapng';
export { RelayRecorder, type RelayRecorderOptions } from './recorder';
export { replayPair, replayUdpPair, recordedPairs, type ReplayOptions, type ReplayResult, type UdpReplayResult } from './replay';
export { diffLane, diffDatagrams, type DiffLine } from './diff';
export { RelayView, RelayCommandError, type RelaySnapshot, type PairSnapshot, type LaneSnapshot, type LaneLogEntry, type RelayViewOptions } from './view';
