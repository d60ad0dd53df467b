/**
 * Solver ids, defaults and limits of the persona layer. Every number carries its unit in the name.
 *
 * @module
 */

/** Solver id of the OpenAI-compatible chat solver (OpenVoiceOS/ovos-openai-plugin). */
export const OPENAI_SOLVER_ID = 'ovos-solver-openai-plugin';
/** The older id of the same plugin, still found in persona files (ovos-persona `personas/llm.json`). */
export const OPENAI_SOLVER_LEGACY_ID = 'ovos-solver-openai-persona-plugin';
/** Solver id of the "ask another HiveMind" solver (ovos-solver-hivemind-plugin). */
export const HIVEMIND_SOLVER_ID = 'ovos-solver-hivemind-plugin';
/** Solver id of the always-answers solver (OpenVoiceOS/ovos-solver-failure-plugin). */
export const FAILURE_SOLVER_ID = 'ovos-solver-failure-plugin';
/** Solver id of hivesat's offline built-in answers (time, date, arithmetic, status). */
export const BUILTIN_SOLVER_ID = 'hivesat-solver-builtin';

/** Default time limit to a solver's first sentence (and between sentences), milliseconds. */
export const DEFAULT_SOLVER_TIMEOUT_MS = 10_000;
/** Default time limit of the OpenAI-compatible solver (a LAN LLM's first sentence), milliseconds. */
export const OPENAI_DEFAULT_TIMEOUT_MS = 15_000;
/** Default time limit of the HiveMind solver (the Python plugin's `timeout=5`), milliseconds. */
export const HIVEMIND_DEFAULT_TIMEOUT_MS = 5_000;
/** Default time limit of local solvers (built-in, failure), milliseconds. */
export const LOCAL_SOLVER_TIMEOUT_MS = 1_000;
/** Largest `timeout` a persona file may set, seconds. */
export const MAX_SOLVER_TIMEOUT_S = 600;

/** Default `api_url` of the OpenAI solver. */
export const OPENAI_DEFAULT_API_URL = 'https://api.openai.com/v1';
/** Default `model` of the OpenAI solver (as ovos-openai-plugin). */
export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';
/** Default system prompt when the persona gives none: short, plain sentences suit a speaker. */
export const OPENAI_DEFAULT_SYSTEM_PROMPT = 'You are a helpful voice assistant. Answer briefly in plain spoken sentences, without markdown, lists or emoji.';
/** Default short-term memory of the OpenAI solver, question/answer turns (ovos-openai-plugin `memory_size`). */
export const OPENAI_DEFAULT_MEMORY_TURNS = 3;
/** Largest `memory_size`, turns. */
export const MAX_MEMORY_TURNS = 50;
/** Longest answer accepted from a remote solver, characters (≈ 10 spoken minutes). */
export const MAX_ANSWER_CHARS = 64 * 1024;
/** Longest error body quoted in a message, characters. */
export const MAX_QUOTED_ERROR_CHARS = 200;
/** A sentence longer than this is cut at a comma or space so TTS can start, characters. */
export const MAX_SENTENCE_CHARS = 400;

/** Name of the persona used when the user configured none. */
export const DEFAULT_PERSONA_NAME = 'hivesat offline';
/** Name the satellite gives itself in "who are you" answers. */
export const DEFAULT_SATELLITE_NAME = 'hivesat';
/** Extension of persona files in a persona folder. */
export const PERSONA_FILE_EXTENSION = '.json';
/** Largest persona file read, bytes. */
export const MAX_PERSONA_FILE_BYTES = 1024 * 1024;
