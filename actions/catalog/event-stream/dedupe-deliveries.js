// Event streams deliver at least once: the same message can arrive again. Remember the ids of
// recent messages in api.cache and skip repeats (here: a repeat, so nothing is forwarded).
exports.onExecuteEventStream = async (event, api) => {
  const key = `seen:${event.message.id}`;
  if (api.cache.get(key)) {
    console.log(`duplicate delivery of ${event.message.id} skipped`);
    return;
  }
  api.cache.set(key, event.message.type, { ttl: 60 * 60 * 1000 });
  // …forward the event here (see siem-forwarder.js).
};
