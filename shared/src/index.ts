export * from './errors.js';
export * from './domain.js';
export * from './api.js';
export * from './events.js';
export * from './password.js';
export * from './reasons.js';
export * from './products.js';
