export * from './keras.js';
export * from './h5.js';
export * from './tfjs_layers.js';
export * from './tfjs_export.js';
