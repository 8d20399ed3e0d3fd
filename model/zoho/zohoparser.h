#pragma once

#include "core/error.h"
#include "core/result.h"
#include "zoho/bookspage.h"
#include "zoho/crmdeletedpage.h"
#include "zoho/crmpage.h"
#include "zoho/oauthtoken.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

// Pure functions that turn Zoho's wire formats (ZOHO-API.md) into values or clear
// errors. Anything unexpected — malformed or truncated JSON, an HTML error page, a
// wrong content type, a missing field, an oversized body — is ErrorKind::Protocol with
// a message saying what was wrong; nothing here throws or asserts on input.

namespace tiersync {

inline constexpr qint64 kDefaultMaxResponseBytes = 64LL * 1024 * 1024;

namespace zohoparser {

// The body of a 2xx answer as a JSON object. An empty body is an error here: callers
// handle 204/304 before asking.
[[nodiscard]] Result<QJsonObject> parseJsonObject(const QByteArray &body,
                                                  const QByteArray &contentType,
                                                  qint64 maxBytes = kDefaultMaxResponseBytes);

// The error a non-2xx answer stands for: kind from the HTTP status refined by the
// peer's own code (Books numeric `code`, CRM string `code`/`status`), which is kept in
// Error::code. Bodies that are not JSON still give a useful message.
[[nodiscard]] Error httpError(int httpStatus, const QByteArray &body, const QByteArray &contentType);

// Books answers `{"code":0,"message":"success",…}`; a non-zero code even with HTTP 200
// is an error.
[[nodiscard]] Status checkBooksCode(const QJsonObject &json, int httpStatus = 200);

[[nodiscard]] Result<BooksPage> parseBooksPage(const QJsonObject &json, const QString &entityKey);
[[nodiscard]] Result<QJsonObject> parseBooksEntity(const QJsonObject &json, const QString &entityKey);

// `data` + `info`. An empty object (the 204 case) is an empty last page.
[[nodiscard]] Result<CrmPage> parseCrmPage(const QJsonObject &json);
// A CRM list or search answer by its status: 304 → notModified (empty, last), 204 → an
// empty last page, 200 → parseCrmPage. Any other status is a Protocol error.
[[nodiscard]] Result<CrmPage> parseCrmListAnswer(int httpStatus, const QJsonObject &json);
// The deleted-records list: `data[]` of {id, deleted_time, type?} + `info.more_records`;
// 204/304 (none deleted since If-Modified-Since) → an empty last page. A record without a
// digit id or a parseable deleted_time is a Protocol error, never skipped: a deletion
// that cannot be read must not be lost silently.
[[nodiscard]] Result<CrmDeletedPage> parseCrmDeletedPage(int httpStatus, const QJsonObject &json);
// `data` only (get by id); an empty object (204/304) gives an empty list.
[[nodiscard]] Result<QList<QJsonObject>> parseCrmRecords(const QJsonObject &json);

// The token endpoint's answer. Errors arrive with HTTP 200 and `error` set: Auth with
// the error in Error::code, except token-endpoint throttling ("Access Denied", seen with
// HTTP 200, 400 or 429), which is RateLimited with code kOAuthThrottledCode: Zoho refuses
// every refresh for the rest of its 10-minute window, so it is never retried.
inline constexpr QLatin1String kOAuthThrottledCode("Access Denied");
[[nodiscard]] bool isOAuthThrottle(const Error &error);
[[nodiscard]] Result<OAuthToken> parseOAuthToken(int httpStatus, const QByteArray &body,
                                                 const QByteArray &contentType = {});

}  // namespace zohoparser
}  // namespace tiersync
