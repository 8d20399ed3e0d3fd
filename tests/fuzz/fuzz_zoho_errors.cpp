// Error bodies and token answers (model/zoho/zohoparser.h: httpError, parseOAuthToken).
// Input: "<HTTP status>\n<content type>\n<body>".
#include "fuzzcheck.h"
#include "zoho/zohoparser.h"

using namespace tiersync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(fuzz::bytes(data, size), 3);
    bool statusOk = false;
    int status = parts.at(0).trimmed().toInt(&statusOk);
    if (!statusOk)
        status = 400;
    const QByteArray &contentType = parts.at(1);
    const QByteArray &body = parts.at(2);

    const Error error = zohoparser::httpError(status, body, contentType);
    FUZZ_CHECK(error.kind != ErrorKind::None);
    FUZZ_CHECK(error.httpStatus == status);
    FUZZ_CHECK(error.message.startsWith(QLatin1String("Zoho: ")));
    FUZZ_CHECK(error.message.size() > 6);
    // Never the whole body in a message: at most an excerpt or Zoho's own text.
    if (body.size() > 4096)
        FUZZ_CHECK(error.message.size() < body.size());

    auto token = zohoparser::parseOAuthToken(status, body, contentType);
    if (token) {
        FUZZ_CHECK(status >= 200 && status <= 299);
        FUZZ_CHECK(!token->accessToken.isEmpty());
    } else {
        FUZZ_CHECK(token.error().kind != ErrorKind::None);
        FUZZ_CHECK(!token.error().message.isEmpty());
        // Throttling is never an Auth failure (that would ask the user to re-authorise).
        if (zohoparser::isOAuthThrottle(token.error()))
            FUZZ_CHECK(token.error().kind == ErrorKind::RateLimited);
    }
    return 0;
}
