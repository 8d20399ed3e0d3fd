#pragma once

#include <QString>

namespace tiersync {

// What an SSH server presented and what the known_hosts file says about it: what the
// CLI prints and the console asks about on first use. The fingerprint is OpenSSH's
// ("SHA256:" and the unpadded base64 of the key's SHA-256), as `ssh-keygen -lf` shows it.
struct HostKeyCheck final {
    enum class Verdict {
        Trusted,  // the file holds this key for the host
        Unknown,  // the file holds no key for the host (or there is no file yet)
        Changed,  // the file holds another key for the host: never accepted by a flag
    };

    Verdict verdict = Verdict::Unknown;
    QString destination;     // host:port as it was dialled
    QString keyType;         // "ssh-ed25519", "ecdsa-sha2-nistp256", ...
    QString fingerprint;     // SHA256:...
    QString knownHostsFile;  // the file that was consulted

    // "the host key of H is not known (ssh-ed25519 SHA256:...)" and so on, for people.
    [[nodiscard]] QString describe() const;

    friend bool operator==(const HostKeyCheck &, const HostKeyCheck &) = default;
};

}  // namespace tiersync
