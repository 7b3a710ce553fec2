// The pause program of the node image's Pod sandboxes: it holds the sandbox's namespaces open,
// reaps the zombies of processes that share its PID namespace, and exits on SIGTERM or SIGINT.
// No pause image can be pulled here, so tools/kube/node-image.sh builds this one.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range signals {
		if s == syscall.SIGCHLD {
			for {
				var status syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}
