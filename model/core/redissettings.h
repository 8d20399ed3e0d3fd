#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QString>

namespace tiersync {

struct RedisSettings final {
    QString host = QStringLiteral("127.0.0.1");
    int port = 6379;
    int db = 0;
    Secret password;
    int connectTimeoutMs = 2000;
    int commandTimeoutMs = 5000;

    // redis://[:password@]host:port/db (a user name before the colon is ignored)
    [[nodiscard]] static Result<RedisSettings> fromUrl(const QString &url);
    // The password is masked unless asked for; a URL with the secret never reaches a log.
    [[nodiscard]] QString toUrl(bool withPassword = false) const;

    friend bool operator==(const RedisSettings &, const RedisSettings &) = default;
};

}  // namespace tiersync
