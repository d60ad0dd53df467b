/**
 * An incremental parser for server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html),
 * the framing of OpenAI-style streaming: `data: {json}` lines, events separated by a blank line, `data: [DONE]` at
 * the end. Only `data` fields matter here; `event`, `id`, `retry` and comments are ignored.
 *
 * Some servers forget the blank line between events. When a new `data:` line arrives while the pending data is
 * already a complete JSON value (or `[DONE]`), the pending event is dispatched first.
 *
 * @module
 */

/** Turns decoded text chunks into the `data` payloads of complete events. */
export class SseParser {
  #partialLine = '';
  #data: string[] = [];

  /** Add a chunk of text; returns the data of every event it completed. */
  push(text: string): string[] {
    const out: string[] = [];
    const lines = (this.#partialLine + text).split('\n');
    this.#partialLine = lines.pop() ?? '';
    for (const raw of lines) this.#line(raw.endsWith('\r') ? raw.slice(0, -1) : raw, out);
    return out;
  }

  /** End of stream: dispatch what is pending. */
  flush(): string[] {
    const out: string[] = [];
    if (this.#partialLine !== '') this.#line(this.#partialLine.replace(/\r$/, ''), out);
    this.#partialLine = '';
    this.#dispatch(out);
    return out;
  }

  #line(line: string, out: string[]): void {
    if (line === '') {
      this.#dispatch(out);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (this.#data.length > 0 && isComplete(this.#data.join('\n'))) this.#dispatch(out);
    this.#data.push(value);
  }

  #dispatch(out: string[]): void {
    if (this.#data.length === 0) return;
    out.push(this.#data.join('\n'));
    this.#data = [];
  }
}

function isComplete(data: string): boolean {
  if (data === '[DONE]') return true;
  try {
    JSON.parse(data);
    return true;
  } catch {
    return false;
  }
}
