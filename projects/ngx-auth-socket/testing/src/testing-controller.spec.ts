import { describeTestingKit } from './testing-controller.behaviour';

// The kit's specs twice under Karma/Jasmine: on real timers (which it must never need), and with
// jasmine.clock() installed and never ticked — a kit that waited on any timer would hang there.
describeTestingKit(null);
describeTestingKit({
  name: 'jasmine.clock() installed',
  install: () => jasmine.clock().install(),
  uninstall: () => jasmine.clock().uninstall(),
});
