// The parts every demo page shares, none of them tracker code (the npm and tag-manager pages load
// this file from here too): the consent banner (calls opsmantik('consent', ...)), the second route
// (history.pushState, no reload) and the quote form. Each page provides window.opsmantik its own way.
const $ = (id) => document.getElementById(id);

const banner = $('consent');
if (localStorage.getItem('demo_consent')) {
  banner.hidden = true;
  window.opsmantik('consent', localStorage.getItem('demo_consent'));
}
for (const [id, state] of [['consent-accept', 'granted'], ['consent-decline', 'denied']]) {
  $(id).addEventListener('click', (e) => {
    e.preventDefault();
    localStorage.setItem('demo_consent', state);
    window.opsmantik('consent', state);
    banner.hidden = true;
  });
}

const render = () => {
  const pricing = new URLSearchParams(location.search).get('page') === 'pricing';
  $('title').textContent = pricing ? 'Pricing' : 'Emergency plumbing, 24/7';
  $('intro').textContent = pricing
    ? 'Call-out from 89 €, fixed price per job, no surprises.'
    : 'Burst pipe? Blocked drain? A plumber at your door within the hour.';
};
$('route-second').addEventListener('click', (e) => {
  e.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set('page', 'pricing');
  history.pushState({}, '', url);
  render();
});
$('route-home').addEventListener('click', (e) => {
  e.preventDefault();
  const url = new URL(location.href);
  url.searchParams.delete('page');
  history.pushState({}, '', url);
  render();
});
addEventListener('popstate', render);
render();

$('lead-form').addEventListener('submit', (e) => {
  e.preventDefault();
  window.demoLead?.(new FormData(e.target).get('email'));
  $('lead-thanks').hidden = false;
});
