export * from './dataset.js';
export * from './idx.js';
export * from './npy.js';
export * from './csv.js';
export * from './folder.js';
export * from './load.js';
export * from './generated.js';
