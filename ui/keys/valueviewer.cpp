#include "keys/valueviewer.h"

#include "console/keydetails.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace tiersync::ui {

namespace {

QPlainTextEdit *monospaceView(const QString &name, QWidget *parent)
{
    auto *view = new QPlainTextEdit(parent);
    view->setObjectName(name);
    view->setReadOnly(true);
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return view;
}

QLabel *valueLabel(const QString &name, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

}  // namespace

ValueViewer::ValueViewer(QWidget *parent)
    : QWidget(parent),
      m_key(valueLabel(QStringLiteral("valueKey"), this)),
      m_type(valueLabel(QStringLiteral("valueType"), this)),
      m_ttl(valueLabel(QStringLiteral("valueTtl"), this)),
      m_memory(valueLabel(QStringLiteral("valueMemory"), this)),
      m_size(valueLabel(QStringLiteral("valueSize"), this)),
      m_notice(valueLabel(QStringLiteral("valueNotice"), this)),
      m_tabs(new QTabWidget(this)),
      m_json(monospaceView(QStringLiteral("valueJson"), this)),
      m_raw(monospaceView(QStringLiteral("valueRaw"), this)),
      m_hex(monospaceView(QStringLiteral("valueHex"), this)),
      m_fields(new QTableWidget(this))
{
    m_key->setWordWrap(true);
    QFont keyFont = m_key->font();
    keyFont.setBold(true);
    m_key->setFont(keyFont);
    m_notice->setWordWrap(true);
    m_tabs->setObjectName(QStringLiteral("valueTabs"));
    m_fields->setObjectName(QStringLiteral("valueFields"));
    m_fields->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_fields->verticalHeader()->hide();
    m_fields->horizontalHeader()->setStretchLastSection(true);
    m_fields->setAlternatingRowColors(true);
    m_jsonTab = m_tabs->addTab(m_json, tr("JSON"));
    m_rawTab = m_tabs->addTab(m_raw, tr("Raw"));
    m_hexTab = m_tabs->addTab(m_hex, tr("Hex"));
    m_fieldsTab = m_tabs->addTab(m_fields, tr("Fields"));

    auto *facts = new QFormLayout;
    facts->setObjectName(QStringLiteral("valueFacts"));
    facts->addRow(tr("Type:"), m_type);
    facts->addRow(tr("TTL:"), m_ttl);
    facts->addRow(tr("Memory:"), m_memory);
    facts->addRow(tr("Size:"), m_size);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_key);
    layout->addLayout(facts);
    layout->addWidget(m_notice);
    layout->addWidget(m_tabs, 1);
    clear();
}

void ValueViewer::setHeader(const QString &key, const QString &type, const QString &ttl, const QString &memory,
                            const QString &size)
{
    m_key->setText(key);
    m_type->setText(type);
    m_ttl->setText(ttl);
    m_memory->setText(memory);
    m_size->setText(size);
}

void ValueViewer::clear()
{
    setHeader(tr("Select a key to see its value."), QStringLiteral("—"), QStringLiteral("—"), QStringLiteral("—"),
              QStringLiteral("—"));
    m_notice->clear();
    m_notice->hide();
    m_json->clear();
    m_raw->clear();
    m_hex->clear();
    m_fields->clear();
    m_fields->setRowCount(0);
    m_fields->setColumnCount(0);
}

void ValueViewer::showLoading(const QByteArray &key)
{
    clear();
    setHeader(QString::fromUtf8(key), tr("loading…"), QStringLiteral("…"), QStringLiteral("…"), QStringLiteral("…"));
}

void ValueViewer::showError(const QByteArray &key, const QString &message)
{
    clear();
    setHeader(QString::fromUtf8(key), QStringLiteral("—"), QStringLiteral("—"), QStringLiteral("—"),
              QStringLiteral("—"));
    m_notice->setText(tr("Could not read this key. %1").arg(message));
    m_notice->show();
}

void ValueViewer::showDetails(const KeyDetails &details)
{
    clear();
    if (!details.exists()) {
        setHeader(QString::fromUtf8(details.key), tr("gone"), QStringLiteral("—"), QStringLiteral("—"),
                  QStringLiteral("—"));
        m_notice->setText(tr("This key no longer exists (it expired or was deleted)."));
        m_notice->show();
        return;
    }
    const bool isString = details.type == QLatin1String("string");
    const QString size = isString ? KeyDetails::formatBytes(details.length)
                                  : tr("%n element(s)", nullptr, int(qMin<qint64>(details.length, INT_MAX)));
    setHeader(QString::fromUtf8(details.key), details.type, details.ttlText(),
              KeyDetails::formatBytes(details.memoryBytes), size);
    if (details.truncated) {
        m_notice->setText(isString ? tr("Showing the first %1 of the value.")
                                         .arg(KeyDetails::formatBytes(details.value.size()))
                                   : tr("Showing the first %1 elements.").arg(details.elements.size()));
        m_notice->show();
    }
    m_tabs->setTabVisible(m_jsonTab, isString);
    m_tabs->setTabVisible(m_rawTab, isString);
    m_tabs->setTabVisible(m_hexTab, isString);
    m_tabs->setTabVisible(m_fieldsTab, !isString);
    if (isString) {
        QJsonParseError error;
        const QJsonDocument json = QJsonDocument::fromJson(details.value, &error);
        const bool isJson = error.error == QJsonParseError::NoError && !json.isNull();
        m_tabs->setTabEnabled(m_jsonTab, isJson);
        m_json->setPlainText(isJson ? QString::fromUtf8(json.toJson(QJsonDocument::Indented))
                                    : tr("(not JSON)"));
        m_raw->setPlainText(QString::fromUtf8(details.value));
        m_hex->setPlainText(hexDump(details.value));
        m_tabs->setCurrentIndex(isJson ? m_jsonTab : m_rawTab);
        return;
    }
    QStringList headers;
    if (details.type == QLatin1String("hash"))
        headers = {tr("Field"), tr("Value")};
    else if (details.type == QLatin1String("zset"))
        headers = {tr("Member"), tr("Score")};
    else if (details.type == QLatin1String("list"))
        headers = {tr("Index"), tr("Element")};
    else if (details.type == QLatin1String("stream"))
        headers = {tr("Entry id"), tr("Fields")};
    else
        headers = {tr("Member")};
    m_fields->setColumnCount(int(headers.size()));
    m_fields->setHorizontalHeaderLabels(headers);
    m_fields->setRowCount(int(details.elements.size()));
    for (int row = 0; row < details.elements.size(); ++row) {
        const auto &[first, second] = details.elements.at(row);
        m_fields->setItem(row, 0, new QTableWidgetItem(QString::fromUtf8(first)));
        if (headers.size() > 1)
            m_fields->setItem(row, 1, new QTableWidgetItem(QString::fromUtf8(second)));
    }
    m_fields->resizeColumnToContents(0);
    m_tabs->setCurrentIndex(m_fieldsTab);
}

QString ValueViewer::hexDump(const QByteArray &bytes)
{
    const qsizetype length = qMin(bytes.size(), kMaxHexBytes);
    QString out;
    out.reserve(length * 4 + 64);
    for (qsizetype offset = 0; offset < length; offset += 16) {
        out += QStringLiteral("%1  ").arg(offset, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (qsizetype i = offset; i < offset + 16; ++i) {
            if (i < length) {
                const auto byte = quint8(bytes.at(i));
                out += QStringLiteral("%1 ").arg(byte, 2, 16, QLatin1Char('0'));
                ascii += (byte >= 0x20 && byte < 0x7f) ? QChar(byte) : QLatin1Char('.');
            } else {
                out += QStringLiteral("   ");
            }
            if (i == offset + 7)
                out += QLatin1Char(' ');
        }
        out += QLatin1Char(' ') + ascii + QLatin1Char('\n');
    }
    if (bytes.size() > length)
        out += QStringLiteral("… %1 more bytes not shown\n").arg(bytes.size() - length);
    return out;
}

}  // namespace tiersync::ui
