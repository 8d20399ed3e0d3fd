// The registries (sync/entityregistry.h entities.json, cache/endpointregistry.h
// endpoints.json), as loaded from a file an operator edits. Input: a registry's JSON.
#include "cache/endpointregistry.h"
#include "fuzzcheck.h"
#include "sync/entityregistry.h"

#include <QSet>

using namespace tiersync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray json = fuzz::bytes(data, size);

    if (auto entities = EntityRegistry::fromJson(json)) {
        const QStringList names = entities->names();
        FUZZ_CHECK(QSet<QString>(names.begin(), names.end()).size() == names.size());  // unique
        for (const QString &name : names) {
            FUZZ_CHECK(entities->contains(name));
            FUZZ_CHECK(entities->find(name) != nullptr && entities->find(name)->name == name);
        }
        FUZZ_CHECK(!entities->contains(QStringLiteral("\x01no such entity")));
        const QStringList affected = entities->affectedEndpoints();
        FUZZ_CHECK(QSet<QString>(affected.begin(), affected.end()).size() == affected.size());
    } else {
        FUZZ_CHECK(!entities.error().message.isEmpty());
    }

    if (auto endpoints = EndpointRegistry::fromJson(json)) {
        const QStringList names = endpoints->names();
        FUZZ_CHECK(QSet<QString>(names.begin(), names.end()).size() == names.size());
        for (const QString &name : names)
            FUZZ_CHECK(endpoints->find(name) != nullptr && endpoints->find(name)->name == name);
    } else {
        FUZZ_CHECK(!endpoints.error().message.isEmpty());
    }
    return 0;
}
