package backend

import (
	"fmt"
	"runtime"
)

// smallMachine is the most cores on which the default budget leaves one to the pipeline.
const smallMachine = 4

// DefaultThreads is the thread budget threads=0 stands for, and the reason for the log. Inference
// would otherwise take every core while it runs, and on a small machine the pipeline's own threads
// (decoder, videoconvert, sinks) then miss their deadlines: measured on 2 cores, 1080p live video
// through xclipfilter fell from 30 to 17 fps. So on machines of up to four cores (as the Go runtime
// sees them: GOMAXPROCS) the budget is one thread fewer than there are cores; on larger ones inference
// may use them all, the pipeline's share being small beside them.
func DefaultThreads() (threads int, why string) {
	n := runtime.GOMAXPROCS(0)
	if n <= 1 || n > smallMachine {
		return n, ""
	}
	return n - 1, fmt.Sprintf("%d of %d threads for inference, one core left to the pipeline (threads=0, the default budget)", n-1, n)
}
