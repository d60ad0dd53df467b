/**
 * The listener as the config file describes it: src/config/listener-options.ts, shared with the start-up check.
 *
 * @module
 */
export { enrolledVerifierPath, listenerOptionsFromConfig } from '../config/listener-options.js';
