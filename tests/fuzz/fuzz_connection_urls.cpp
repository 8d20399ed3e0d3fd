// Redis URLs (core/redissettings.h) and PostgreSQL DSNs (core/pgsettings.h), as given in
// TIERSYNC_REDIS_URL / TIERSYNC_PG_DSN and the console's profiles. Input: one URL or DSN.
#include "core/pgsettings.h"
#include "core/redissettings.h"
#include "fuzzcheck.h"

using namespace tiersync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(fuzz::bytes(data, size));

    // A parsed URL writes back to a URL that parses to the same settings.
    if (auto redis = RedisSettings::fromUrl(text)) {
        FUZZ_CHECK(!redis->host.isEmpty());
        FUZZ_CHECK(redis->port > 0 && redis->port <= 65535);
        FUZZ_CHECK(redis->db >= 0);
        auto again = RedisSettings::fromUrl(redis->toUrl(true));
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(*again == *redis);
        // The shown URL holds the mask, never the password.
        if (!redis->password.isEmpty()) {
            auto shown = RedisSettings::fromUrl(redis->toUrl(false));
            FUZZ_CHECK(shown.ok() && shown->password.reveal() == redis->password.masked());
        }
    } else {
        FUZZ_CHECK(redis.error().kind == ErrorKind::InvalidArgument);
    }

    // A parsed DSN writes back to a connection string libpq reads as the same settings.
    if (auto pg = PgSettings::fromDsn(text)) {
        auto again = PgSettings::fromDsn(pg->toConnectionString(true));
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(*again == *pg);
        // Without the password it is the same settings, less the password.
        auto shown = PgSettings::fromDsn(pg->toConnectionString(false));
        FUZZ_CHECK(shown.ok() && shown->password.isEmpty() && shown->options == pg->options);
        (void)pg->describe();
    } else {
        FUZZ_CHECK(pg.error().kind == ErrorKind::InvalidArgument);
    }
    return 0;
}
