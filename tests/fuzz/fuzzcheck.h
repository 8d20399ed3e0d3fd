#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <cstdio>
#include <cstdlib>

// A broken contract in a fuzz target: say which, then abort, so libFuzzer saves the input
// as a crash artifact (and the regression test over it fails).
#define FUZZ_CHECK(condition)                                                                        \
    do {                                                                                             \
        if (!(condition)) {                                                                          \
            std::fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #condition);    \
            std::abort();                                                                            \
        }                                                                                            \
    } while (false)

namespace tiersync::fuzz {

// The fuzzer's bytes as Qt sees outside input.
inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

// Splits "a\nb\nc" style inputs: the first `parts - 1` pieces end at a newline, the last
// takes the rest (missing pieces are empty).
inline QList<QByteArray> split(const QByteArray &input, int parts)
{
    QList<QByteArray> out;
    qsizetype from = 0;
    for (int i = 0; i < parts - 1; ++i) {
        const qsizetype at = input.indexOf('\n', from);
        if (at < 0) {
            out.append(input.mid(from));
            from = input.size();
            continue;
        }
        out.append(input.mid(from, at - from));
        from = at + 1;
    }
    out.append(input.mid(from));
    return out;
}

}  // namespace tiersync::fuzz
