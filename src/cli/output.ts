/**
 * Output of a command: lines for people on stderr (progress) and stdout (results), or one JSON
 * document per event on stdout with --json.
 */
export interface Output {
  step(message: string): void;
  result(human: string, data: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export function createOutput(json: boolean): Output {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  if (json) {
    const emit = (event: string, data: Record<string, unknown>) =>
      process.stdout.write(JSON.stringify({ event, at: new Date().toISOString(), ...data }) + '\n');
    return {
      step: (message) => emit('step', { message }),
      result: (_human, data) => emit('result', data),
      error: (message, data = {}) => emit('error', { message, ...data }),
    };
  }
  return {
    step: (message) => process.stderr.write(`[${elapsed()}] ${message}\n`),
    result: (human) => process.stdout.write(human + '\n'),
    error: (message) => process.stderr.write(`error: ${message}\n`),
  };
}
