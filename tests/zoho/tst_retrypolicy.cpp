#include "zoho/retrypolicy.h"
#include "zoho/zohoparser.h"

#include <QSet>
#include <QTest>

using namespace tiersync;

class TestRetryPolicy final : public QObject {
    Q_OBJECT

private slots:
    void ceilingDoublesUpToCap()
    {
        RetryPolicy policy;
        policy.baseDelayMs = 2000;
        policy.maxDelayMs = 7000;
        QCOMPARE(policy.backoffCeilingMs(1), 2000);
        QCOMPARE(policy.backoffCeilingMs(2), 4000);
        QCOMPARE(policy.backoffCeilingMs(3), 7000);
        QCOMPARE(policy.backoffCeilingMs(1000), 7000);  // no overflow
    }

    void fullJitterStaysInBounds()
    {
        RetryPolicy policy;
        policy.baseDelayMs = 10;
        for (int attempt = 1; attempt <= 4; ++attempt) {
            const qint64 ceiling = policy.backoffCeilingMs(attempt);
            QSet<qint64> seen;
            for (int i = 0; i < 500; ++i) {
                const qint64 delay = policy.backoffDelayMs(attempt);
                QVERIFY(delay >= 0);
                QVERIFY(delay <= ceiling);
                seen.insert(delay);
            }
            // Jitter: the draws do not collapse onto one value.
            QVERIFY2(seen.size() > 3, qPrintable(QString::number(seen.size())));
        }
        QCOMPARE(policy.backoffDelayMs(2, 0.0), 0);
        QCOMPARE(policy.backoffDelayMs(2, 0.9999999), 20);
        QCOMPARE(policy.backoffDelayMs(2, 0.5), 10);
    }

    void retryAfterWinsAndIsCapped()
    {
        RetryPolicy policy;
        policy.baseDelayMs = 10;
        policy.maxRetryAfterMs = 5000;
        QCOMPARE(policy.delayMs(1, 1000, 0.3), 1000);
        QCOMPARE(policy.delayMs(1, 60000, 0.3), 5000);
        QCOMPARE(policy.delayMs(1, std::nullopt, 0.5), 5);
    }

    void parsesRetryAfter()
    {
        const QDateTime now(QDate(2015, 10, 21), QTime(7, 28, 0), Qt::UTC);
        QCOMPARE(RetryPolicy::parseRetryAfterMs("1", now), std::optional<qint64>(1000));
        QCOMPARE(RetryPolicy::parseRetryAfterMs(" 120 ", now), std::optional<qint64>(120000));
        QCOMPARE(RetryPolicy::parseRetryAfterMs("Wed, 21 Oct 2015 07:28:30 GMT", now),
                 std::optional<qint64>(30000));
        QCOMPARE(RetryPolicy::parseRetryAfterMs("Wed, 21 Oct 2015 07:00:00 GMT", now),
                 std::optional<qint64>(0));
        QCOMPARE(RetryPolicy::parseRetryAfterMs("", now), std::nullopt);
        QCOMPARE(RetryPolicy::parseRetryAfterMs("-5", now), std::nullopt);
        QCOMPARE(RetryPolicy::parseRetryAfterMs("soon", now), std::nullopt);
    }

    // ZOHO-API.md "Transient or not", through the same classification the client uses.
    void classification_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::addColumn<bool>("retryable");
        const auto row = [](const char *name, int status, const char *body, ErrorKind kind, bool retry) {
            QTest::newRow(name) << status << QByteArray(body) << int(kind) << retry;
        };
        row("500", 500, "", ErrorKind::Server, true);
        row("502", 502, "<html>bad gateway</html>", ErrorKind::Server, true);
        row("503", 503, "", ErrorKind::Server, true);
        row("504", 504, "", ErrorKind::Server, true);
        row("501", 501, "", ErrorKind::Server, false);
        row("books 1000", 500, R"({"code":1000,"message":"Internal error"})", ErrorKind::Server, true);
        row("books 1000 as 400", 400, R"({"code":1000,"message":"Internal error"})", ErrorKind::Server, true);
        row("crm internal", 500, R"({"code":"INTERNAL_ERROR","status":"error","message":"x"})", ErrorKind::Server, true);
        row("429 44", 429, R"({"code":44,"message":"per minute"})", ErrorKind::RateLimited, true);
        row("429 1070", 429, R"({"code":1070,"message":"concurrent"})", ErrorKind::RateLimited, true);
        row("429 crm", 429, R"({"code":"TOO_MANY_REQUESTS","status":"error","message":"x"})", ErrorKind::RateLimited, true);
        row("429 plain", 429, "", ErrorKind::RateLimited, true);
        row("429 45 daily", 429, R"({"code":45,"message":"daily"})", ErrorKind::RateLimited, false);
        row("400", 400, R"({"code":2,"message":"Invalid value"})", ErrorKind::InvalidArgument, false);
        row("invalid data", 400, R"({"code":"INVALID_DATA","details":{},"message":"x","status":"error"})", ErrorKind::InvalidArgument, false);
        row("403", 403, "", ErrorKind::Auth, false);
        row("no permission", 403, R"({"code":"NO_PERMISSION","message":"x","status":"error"})", ErrorKind::Auth, false);
        row("404", 404, R"({"code":"INVALID_URL_PATTERN","message":"x","status":"error"})", ErrorKind::NotFound, false);
        row("401 token", 401, R"({"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"})", ErrorKind::Auth, false);
        row("books 401", 401, R"({"code":57,"message":"not authorised"})", ErrorKind::Auth, false);
    }
    void classification()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        QFETCH(bool, retryable);
        const Error error = zohoparser::httpError(status, body, "application/json");
        QCOMPARE(errorKindName(error.kind), errorKindName(ErrorKind(kind)));
        QCOMPARE(error.httpStatus, status);
        QCOMPARE(RetryPolicy::isRetryable(error), retryable);
    }

    void networkFailuresAreTransient()
    {
        QVERIFY(RetryPolicy::isRetryable(makeError(ErrorKind::Timeout, QStringLiteral("t"))));
        QVERIFY(RetryPolicy::isRetryable(makeError(ErrorKind::Unavailable, QStringLiteral("refused"))));
        QVERIFY(!RetryPolicy::isRetryable(makeError(ErrorKind::Protocol, QStringLiteral("html"))));
        QVERIFY(!RetryPolicy::isRetryable(makeError(ErrorKind::CircuitOpen, QStringLiteral("open"))));
        Error oauth = makeError(ErrorKind::Auth, QStringLiteral("x"));
        oauth.code = QStringLiteral("invalid_client");
        QVERIFY(!RetryPolicy::isRetryable(oauth));
    }
};

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
