/** Why a text is not JSON, said without echoing the text back (V8 quotes the input, line breaks and all). */
export function jsonSyntaxError(text: string, err: unknown): string {
  if (!(err instanceof SyntaxError)) return (err as Error)?.message ?? String(err);
  if (/Unexpected end of JSON input/.test(err.message)) return 'it is not valid JSON (it ends too early)';
  const token = /Unexpected token '(.+?)'/.exec(err.message)?.[1];
  const pos = /position (\d+)/.exec(err.message);
  let where = '';
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    where = `line ${before.split('\n').length}, column ${Number(pos[1]) - before.lastIndexOf('\n')}`;
  }
  const what = [token !== undefined ? `unexpected '${token}'` : '', where].filter(Boolean).join(' at ');
  return `it is not valid JSON${what ? ` (${what})` : ''}`;
}
