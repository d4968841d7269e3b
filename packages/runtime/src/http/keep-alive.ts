import { resourceDefinition } from '@ocr-jobs/contracts';

/**
 * The API's HTTP keep-alive, derived from the load balancer's idle timeout (one definition, read by
 * infra/ too). The ALB reuses an idle connection for up to its idle timeout; if Node closed it first
 * (its default keep-alive is 5 s), a request racing the close gets a 502. So the server keeps idle
 * connections open longer than the ALB does, and waits for headers a little longer still (Node
 * requires headersTimeout > keepAliveTimeout to avoid the same race on its side).
 */
export function httpKeepAlive(
  idleTimeoutSeconds: number = resourceDefinition.loadBalancer.idleTimeoutSeconds,
) {
  const keepAliveTimeoutMs = (idleTimeoutSeconds + 5) * 1000;
  return { keepAliveTimeoutMs, headersTimeoutMs: keepAliveTimeoutMs + 1000 };
}

/** Applies {@link httpKeepAlive} to a Node HTTP server. */
export function applyHttpKeepAlive(server: { keepAliveTimeout: number; headersTimeout: number }): void {
  const { keepAliveTimeoutMs, headersTimeoutMs } = httpKeepAlive();
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.headersTimeout = headersTimeoutMs;
}
