#pragma once

#include <QTest>

// Inside a Qt Test function: fails with the error's words unless expression (a Result
// or Status) is ok.
#define VERIFY_OK(expression)                                                                             \
    do {                                                                                                  \
        const auto &verified = (expression);                                                              \
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().toString()));     \
    } while (false)
