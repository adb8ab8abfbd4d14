export * from './calibrate.js';
export * from './ptq.js';
export * from './evaluate.js';
