#include "console/serviceerror.h"

namespace tiersync {

QString ServiceError::describe() const
{
    return service ? describeForAdmin(*service, error) : error.message;
}

}  // namespace tiersync
