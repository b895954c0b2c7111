import { ADMIN_TOKEN } from '../setup/test-settings';

/** `/metrics` needs the admin token, as a Prometheus scrape config sends it. */
export const metricsScraper = { authorization: `Bearer ${ADMIN_TOKEN}` };
