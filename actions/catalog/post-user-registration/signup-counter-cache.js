// Count sign-ups per connection per day in api.cache, and log every hundredth one. The cache
// is per trigger and per instance, so this is a cheap local tally, not an exact total.
exports.onExecutePostUserRegistration = async (event, api) => {
  const day = new Date().toISOString().slice(0, 10);
  const key = `signups:${event.connection.name}:${day}`.slice(0, 64);
  const seen = api.cache.get(key);
  const count = (seen ? Number(seen.value) : 0) + 1;
  const stored = api.cache.set(key, String(count), { ttl: 24 * 60 * 60 * 1000 });
  if (stored.type === 'error') {
    console.warn(`sign-up counter not stored: ${stored.code}`);
    return;
  }
  if (count % 100 === 0) console.log(`${count} sign-ups on ${event.connection.name} today`);
};
