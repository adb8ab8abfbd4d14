/** TFLite flatbuffers <-> ModelGraph. */
export { READ_LIMITS, readTflite, readTfliteFile, type ReadResult } from './read.js';
export { BUFFER_ALIGNMENT, writeTflite } from './write.js';
