/* fault.h — kill points for the "killed at any step of setup" tests.
 *
 * FAULT("step") marks a step of session setup. In every normal build it
 * expands to nothing: the installed helper has no fault code and reads no
 * extra file. Only a test build made with `make FAULT_FILE=/path` (see
 * tests/hostile/run.sh) compiles fault.c in: there, a process reaching the
 * step named in that root-owned file kills itself with SIGKILL, the one
 * signal nothing can clean up after. */
#ifndef NS_FAULT_H
#define NS_FAULT_H

#ifdef NSESSION_FAULT_FILE
void fault_point(const char *step);
#define FAULT(step) fault_point(step)
#else
#define FAULT(step) ((void)0)
#endif

#endif
