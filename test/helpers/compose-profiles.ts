import { parseYaml } from './validate';

/**
 * The services `docker compose -f <files…> [--profile p…] up` starts, following Compose's rules (compose-go
 * cli/options.go WithDefaultProfiles and types.Project.WithProfiles): `--profile` flags win; without them,
 * COMPOSE_PROFILES from the project directory's .env; a service without `profiles` always runs.
 */
export function composeUp(files: Map<string, string>, composeFiles: string[], flags: string[]): { running: string[]; errors: string[] } {
  const services: Record<string, any> = {};
  for (const f of composeFiles) Object.assign(services, parseYaml(files.get(f)!).services);
  const dotenv = files.get('docker/.env') ?? '';
  const fromEnv = /^COMPOSE_PROFILES=(.*)$/m.exec(dotenv)?.[1].split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const active = flags.length ? flags : fromEnv;
  const running = Object.keys(services).filter((k) => !services[k].profiles || services[k].profiles.some((p: string) => active.includes(p)));
  const errors: string[] = [];
  for (const k of running) {
    for (const dep of Object.keys(services[k].depends_on ?? {})) {
      if (!running.includes(dep)) errors.push(`${k} depends on ${dep}, which is not running`);
    }
  }
  return { running: running.sort(), errors };
}
