import type { ServiceName } from './config';

/** Ports the services listen on (seed architecture §3.3; Crawl4AI's current image listens on 11235). */
export const SERVICE_PORTS: Record<ServiceName, number> = {
  n8n: 5678,
  ollama: 11434,
  qdrant: 6333,
  crawl4ai: 11235,
  postgres: 5432,
};

/** Services a user may reach from their own address in the "cidr" access mode; the database never is. */
export const PUBLISHABLE_SERVICES: readonly ServiceName[] = ['n8n', 'ollama', 'qdrant', 'crawl4ai'];
