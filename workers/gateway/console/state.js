// state.js: what the screens share: the operator (the login's answer), the sites in
// their scope with their providers, and the 동 of each site (fetched once).
import {get} from './api.js';

export const state = {me: null, sites: [], tab: 'board'};

const dongs = new Map();

// The 동 of a site: [{code, name, sigungu}], cached.
export async function dongsOf(site) {
  if (!dongs.has(site)) dongs.set(site, get('/v1/dongs', {site}).then((j) => j.items));
  return dongs.get(site);
}

// The code of a 동 typed by name ("파장동", "장안구 파장동", or its code), or null.
export async function dongCode(site, text) {
  const t = text.trim();
  if (!t) return null;
  const list = await dongsOf(site);
  const exact = list.find((d) => d.code === t || label(d) === t);
  if (exact) return exact.code;
  const named = list.filter((d) => d.name === t); // a name two 구 share is not enough
  return named.length === 1 ? named[0].code : null;
}

export const label = (d) => `${d.name} (${d.sigungu})`;

export function siteName(slug) {
  const s = state.sites.find((x) => x.slug === slug);
  return s ? s.name : slug;
}
