import { show } from '../internal/errors';
import type { Workload } from '../declaration/workloads/workload';
import type { ResolvedContainer } from '../model/model';
import { isIPv4Cidr } from '../values/production';
import type { Report } from './report';

/**
 * The egress a workload needs to fetch its model from an endpoint outside the app (a URL), added to what it declares.
 * A NetworkPolicy selects addresses, not host names: an endpoint at an IPv4 address gets its rule (`<ip>/32` on the
 * URL's port); one at a host name must be covered by a declared `egress` on that port when the workload is isolated,
 * or the fetch would be blocked with no word, so that is reported with the fix.
 * @internal
 */
export function modelEgress(w: Workload, declared: ResolvedContainer['egress'], isolated: boolean, report: Report): ResolvedContainer['egress'] {
  const endpoint = w.model.s3?.endpoint;
  if (typeof endpoint !== 'string') return declared;
  const url = new URL(endpoint);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const cidr = `${url.hostname}/32`;
  if (isIPv4Cidr(cidr)) {
    if (declared.some((e) => e.cidr === cidr && e.port === port && e.protocol === 'TCP')) return declared;
    return [...declared, { cidr, port, protocol: 'TCP' }];
  }
  if (isolated && !declared.some((e) => e.port === port && e.protocol === 'TCP')) {
    report(w, `model endpoint ${show(endpoint)} is outside the app, and the NetworkIsolationPolicy lets the model fetch reach only declared egress; a NetworkPolicy cannot name the host '${url.hostname}': declare egress: [{ cidr: '<address range of ${url.hostname}>', port: ${port} }] (AWS publishes S3's ranges in ip-ranges.json), or { cidr: '0.0.0.0/0', port: ${port} } for any address on that port`);
  }
  return declared;
}
