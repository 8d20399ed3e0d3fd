#include "recordingconfirmer.h"

namespace tiersync::test {

void RecordingConfirmer::ask(QWidget *, const QString &, const QString &text, const QString &, Answer answer)
{
    questions.append(text);
    answer(accept);
}

}  // namespace tiersync::test
