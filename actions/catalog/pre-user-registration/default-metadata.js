// Give every new user a plan and their sign-up context: app_metadata the user cannot change
// (plan, signup country and client) and user_metadata they can (preferred locale).
exports.onExecutePreUserRegistration = async (event, api) => {
  api.user.setAppMetadata('plan', 'free');
  api.user.setAppMetadata('signup', {
    country: event.request.geoip.countryCode || null,
    client_id: event.client ? event.client.client_id : null,
  });
  const locale = (event.transaction && event.transaction.locale) || event.request.language || 'en';
  api.user.setUserMetadata('preferred_locale', locale);
};
