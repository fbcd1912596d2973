// Plausible's npm package ships ES modules only. This is the smallest entry a site would bundle:
// initialise with the page's settings (window.plausibleConfig); init() binds window.plausible.
import { init } from '@plausible-analytics/tracker';

init(window.plausibleConfig);
