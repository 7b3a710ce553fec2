package dev.modelops.operator;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/**
 * How every Pod the operator creates (trial Jobs, model servers) runs, the way the chart runs the
 * operator itself and the Kubernetes "restricted" Pod Security Standard asks: as the images'
 * non-root user, RuntimeDefault seccomp, no privilege escalation, all capabilities dropped, a
 * read-only root filesystem (the images write only to /tmp, an emptyDir, and mounted volumes).
 */
public final class PodSecurity {
  private PodSecurity() {}

  /** The Pod's security context: user, group and volume group 65532, RuntimeDefault seccomp. */
  public static PodSecurityContext pod() {
    return new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(OperatorSettings.IMAGE_UID)
        .withRunAsGroup(OperatorSettings.IMAGE_UID).withFsGroup(OperatorSettings.IMAGE_UID)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build();
  }

  /** A container's security context: read-only root, no privilege escalation, no capabilities. */
  public static SecurityContext container() {
    return new SecurityContextBuilder().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities().build();
  }
}
