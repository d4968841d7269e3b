/**
 * Yields what `source` yields, asking it for the next value while the caller still works on the
 * current one: the next page decodes while this one is recognised, so a worker never waits for it.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = source.next();
      // Its failure is thrown when it is awaited above; until then it must not count as unhandled.
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    // Stopped early (error, abort): let the pending step settle, then close the source (its cleanup runs).
    await next.catch(() => undefined);
    await source.return(undefined);
  }
}
