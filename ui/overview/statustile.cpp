#include "overview/statustile.h"

namespace tiersync::ui {

namespace {

QString edgeColour(StatusTile::State state)
{
    switch (state) {
    case StatusTile::State::Ok:
        return QStringLiteral("#27ae60");
    case StatusTile::State::Warning:
        return QStringLiteral("#e67e22");
    case StatusTile::State::Error:
        return QStringLiteral("#c0392b");
    case StatusTile::State::Unknown:
        break;
    }
    return QStringLiteral("#95a5a6");
}

}  // namespace

StatusTile::StatusTile(const QString &title, QWidget *parent)
    : QLabel(parent),
      m_title(title)
{
    setTextFormat(Qt::RichText);
    setWordWrap(true);
    setAlignment(Qt::AlignLeft | Qt::AlignTop);
    setMinimumWidth(170);
    setMinimumHeight(86);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setStatus(State::Unknown, tr("…"), tr("waiting for the first poll"));
}

StatusTile::~StatusTile() = default;

void StatusTile::setStatus(State state, const QString &value, const QString &detail)
{
    m_state = state;
    m_value = value;
    m_detail = detail;
    setStyleSheet(QStringLiteral("QLabel { border: 1px solid palette(mid); border-left: 6px solid %1;"
                                 " border-radius: 4px; padding: 6px 10px; background: palette(base); }")
                      .arg(edgeColour(state)));
    setText(QStringLiteral("<div style='color:#7f8c8d'>%1</div>"
                           "<div style='font-size:16pt; font-weight:600; color:%2'>%3</div>"
                           "<div>%4</div>")
                .arg(m_title.toHtmlEscaped(), edgeColour(state), value.toHtmlEscaped(), detail.toHtmlEscaped()));
    setToolTip(QStringLiteral("%1: %2 — %3").arg(m_title, value, detail));
}

}  // namespace tiersync::ui
