package server_test

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/outpost-os/outpost/tests/vm"
)

const testNS = "outpost-test"

// createObjects creates a namespace, a ConfigMap, a Secret and a
// Deployment.
func createObjects(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}, Data: map[string]string{"greeting": "hello"}}
	if _, err := c.CoreV1().ConfigMaps(testNS).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create configmap: %v", err)
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec"}, Data: map[string][]byte{"k": []byte(secretValue)}}
	if _, err := c.CoreV1().Secrets(testNS).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create secret: %v", err)
	}
	if _, err := c.AppsV1().Deployments(testNS).Create(ctx, deployment(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
}

func deployment() *appsv1.Deployment {
	replicas := int32(2)
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "example.invalid/web:1"}}},
			},
		},
	}
}

// checkObjects reads back what createObjects made.
func checkObjects(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.CoreV1().Namespaces().Get(ctx, testNS, metav1.GetOptions{}); err != nil {
		t.Errorf("namespace: %v", err)
	}
	cm, err := c.CoreV1().ConfigMaps(testNS).Get(ctx, "cm", metav1.GetOptions{})
	if err != nil || cm.Data["greeting"] != "hello" {
		t.Errorf("configmap: %v %v", cm.Data, err)
	}
	sec, err := c.CoreV1().Secrets(testNS).Get(ctx, "sec", metav1.GetOptions{})
	if err != nil || string(sec.Data["k"]) != "v3ry-s3cret" {
		t.Errorf("secret: %v", err)
	}
	d, err := c.AppsV1().Deployments(testNS).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 2 {
		t.Errorf("deployment: %v", err)
	}
}

// waitDeploymentPods waits for the controller-manager to give the
// Deployment a ReplicaSet and two Pods (Pending: there is no node).
func waitDeploymentPods(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	vm.MustPoll(t, "ReplicaSet of the Deployment", 2*time.Minute, pollInterval, func() (bool, error) {
		rs, err := c.AppsV1().ReplicaSets(testNS).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		return len(rs.Items) == 1 && len(rs.Items[0].OwnerReferences) == 1 && rs.Items[0].OwnerReferences[0].Name == "web", nil
	})
	vm.MustPoll(t, "Pods of the ReplicaSet", 2*time.Minute, pollInterval, func() (bool, error) {
		pods, err := c.CoreV1().Pods(testNS).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		return len(pods.Items) == 2, nil
	})
}
