#pragma once

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QTabWidget;

namespace tiersync {
struct KeyDetails;
}

namespace tiersync::ui {

// Shows one key: type, TTL, memory, size, and its value — a string as pretty-printed
// JSON (when it parses), raw text and hex; a hash, list, set, sorted set or stream as
// a table.
class ValueViewer final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ValueViewer)

public:
    // Hex dumps beyond this are cut: a dump of several MiB helps nobody.
    static constexpr qsizetype kMaxHexBytes = 64 * 1024;

    explicit ValueViewer(QWidget *parent = nullptr);

    void showLoading(const QByteArray &key);
    void showDetails(const tiersync::KeyDetails &details);
    void showError(const QByteArray &key, const QString &message);
    void clear();

    [[nodiscard]] static QString hexDump(const QByteArray &bytes);

private:
    void setHeader(const QString &key, const QString &type, const QString &ttl, const QString &memory,
                   const QString &size);

    QLabel *m_key;
    QLabel *m_type;
    QLabel *m_ttl;
    QLabel *m_memory;
    QLabel *m_size;
    QLabel *m_notice;
    QTabWidget *m_tabs;
    QPlainTextEdit *m_json;
    QPlainTextEdit *m_raw;
    QPlainTextEdit *m_hex;
    QTableWidget *m_fields;
    int m_jsonTab = 0;
    int m_rawTab = 0;
    int m_hexTab = 0;
    int m_fieldsTab = 0;
};

}  // namespace tiersync::ui
