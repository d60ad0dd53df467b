/**
 * The keys of the config file's `"serve"` object and their JSON types: the section's schema, kept apart from
 * ./settings.ts (which reads the file through src/config) so that the config file's schema can include it without
 * an import cycle.
 *
 * @module
 */

/** Keys of the config file's `"serve"` object and their types (for schema checks of the whole file). */
export const SERVE_CONFIG_KEYS = {
  listen: 'string',
  token_file: 'string',
  auth: 'boolean',
  fallback: 'string',
  persona_dir: 'string',
  hub_model: 'string',
  rate_limit_per_minute: 'number',
  /** `hivesat run` only: serve the endpoints on run's own local server (`hivesat serve` always serves). */
  enabled: 'boolean',
} as const;

