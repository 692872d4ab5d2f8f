export * from './errors.js';
export * from './domain.js';
export * from './api.js';
export * from './events.js';
export * from './reasons.js';
export * from './products.js';
export * from './ai.js';
